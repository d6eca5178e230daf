//! One dataset behind a table: its grid, the leaf columns of its elements, and the blocks
//! of cell texts read so far through the loader (a bounded set, the farthest dropped first).
//!
//! A table shows one source, or several side by side (a pandas DataFrame's blocks), with
//! more sources giving column names and row labels. Never reads a file itself.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::loader::{FileId, Loader, Outcome, ReqId, Request, TableSource, View};
use crate::model::table::{BLOCK_COLS, BLOCK_ROWS, columns, pick};
use crate::model::{Block, Cell, Column, DType, Grid, TimeUnits, Value, Values};

/// Blocks kept in memory per source; the farthest from the screen go first.
const MAX_BLOCKS: usize = 48;

/// A dataset to show, from its metadata.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub path: String,
    pub dims: Vec<u64>,
    pub dtype: DType,
    /// Other files the values are kept in, when any (reading them needs consent).
    pub outside_files: String,
    pub grid: Grid,
    /// Numbers that are times in these units, shown as dates (pandas' datetime64).
    pub time: Option<TimeUnits>,
}

/// A block by its index in the fixed block grid: (row block, column block).
type BlockKey = (u64, u64);

/// One block of cells: rows x dataset columns x leaf columns, row-major.
struct Loaded {
    cols: usize,
    cells: Vec<Cell>,
}

/// The request in flight: its id, the grid it reads and the blocks it brings.
struct Pending {
    req: ReqId,
    grid: Grid,
    blocks: HashSet<BlockKey>,
}

pub struct Source {
    pub spec: SourceSpec,
    pub columns: Vec<Column>,
    blocks: HashMap<BlockKey, Loaded>,
    pending: Option<Pending>,
    pub error: Option<String>,
    /// The user allowed reading values kept in other files.
    pub outside: bool,
}

impl Source {
    pub fn new(spec: SourceSpec) -> Self {
        Self {
            columns: columns(&spec.dtype),
            spec,
            blocks: HashMap::new(),
            pending: None,
            error: None,
            outside: false,
        }
    }

    pub fn grid(&self) -> &Grid {
        &self.spec.grid
    }

    /// Shows another grid through the dataset: what was read no longer applies.
    pub fn set_grid(&mut self, grid: Grid) {
        if grid != self.spec.grid {
            self.spec.grid = grid;
            self.blocks.clear();
            self.error = None;
        }
    }

    pub fn rows(&self) -> u64 {
        self.spec.grid.size(&self.spec.dims).0
    }

    pub fn leaves(&self) -> u64 {
        self.columns.len().max(1) as u64
    }

    /// Display columns: every leaf column of every dataset column.
    pub fn display_cols(&self) -> u64 {
        self.spec.grid.size(&self.spec.dims).1 * self.leaves()
    }

    pub fn is_scalar(&self) -> bool {
        self.spec.dims.is_empty()
    }

    pub fn has_blocks(&self) -> bool {
        !self.blocks.is_empty()
    }

    pub fn loading(&self) -> bool {
        self.pending.is_some()
    }

    pub fn numeric(&self, d: u64) -> bool {
        self.columns
            .get((d % self.leaves()) as usize)
            .is_some_and(Column::numeric)
    }

    /// The cell at `row` and display column `d`, once its block is here.
    pub fn cell(&self, row: u64, d: u64) -> Option<&Cell> {
        let (dc, leaf) = (d / self.leaves(), d % self.leaves());
        let block = self.blocks.get(&(row / BLOCK_ROWS, dc / BLOCK_COLS))?;
        let (r, c) = ((row % BLOCK_ROWS) as usize, (dc % BLOCK_COLS) as usize);
        block
            .cells
            .get((r * block.cols + c) * self.columns.len() + leaf as usize)
    }

    /// The header of a display column: the leaf's name, after the dataset column's index
    /// when the grid has columns.
    pub fn header(&self, d: u64) -> String {
        let leaf = self
            .columns
            .get((d % self.leaves()) as usize)
            .map_or("", |c| c.name.as_str());
        match (self.spec.grid.cols, leaf.is_empty()) {
            (None, true) => "value".to_owned(),
            (None, false) => leaf.to_owned(),
            (Some(_), true) => (d / self.leaves()).to_string(),
            (Some(_), false) => format!("{} {leaf}", d / self.leaves()),
        }
    }

    pub fn owns(&self, req: ReqId) -> bool {
        self.pending.as_ref().is_some_and(|p| p.req == req)
    }

    pub fn cancel(&mut self, loader: &mut Loader) {
        if let Some(p) = self.pending.take() {
            loader.send(Request::Cancel { req: p.req });
        }
    }

    pub fn on_cells(&mut self, req: ReqId, block: Block, values: &Arc<Values>) {
        if !self
            .pending
            .as_ref()
            .is_some_and(|p| p.req == req && p.grid == self.spec.grid)
        {
            return;
        }
        let cols = block.cols as usize;
        let mut cells = Vec::with_capacity(values.len() * self.columns.len());
        for v in values.iter() {
            for c in &self.columns {
                cells.push(pick(v, &c.path).map_or_else(
                    || Cell {
                        text: "?".to_owned(),
                        ..Cell::default()
                    },
                    |v| self.cell_of(v, c),
                ));
            }
        }
        let key = (block.row / BLOCK_ROWS, block.col / BLOCK_COLS);
        self.blocks.insert(key, Loaded { cols, cells });
        self.evict(key);
    }

    /// A value's cell: a date when the source holds times, else as its type shows it.
    fn cell_of(&self, v: &Value, column: &Column) -> Cell {
        // Times to the second: the resolution of most timestamps people look at.
        let date = (self.spec.time.as_ref())
            .zip(v.as_f64())
            .and_then(|(t, x)| t.format(x, 60.0 / t.seconds_per_unit()));
        match date {
            Some(text) => Cell {
                text,
                full: Some(v.to_string()),
                link: None,
            },
            None => Cell::of(v, &column.dtype),
        }
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if !self.owns(req) {
            return;
        }
        self.pending = None;
        if let Outcome::Failed(e) = outcome {
            self.error = Some(e);
        }
    }

    /// Asks for the blocks of rows `rows` and display columns `cols` (and the next rows'
    /// block) not read yet, as loader view `view`.
    pub fn request(
        &mut self,
        (file, view): (FileId, View),
        rows: (u64, u64),
        cols: (u64, u64),
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) {
        if self.error.is_some() || self.rows() == 0 || self.display_cols() == 0 {
            return;
        }
        let last_row = rows.1.min(self.rows().saturating_sub(1));
        let row_blocks = rows.0 / BLOCK_ROWS..=(last_row / BLOCK_ROWS + 1);
        let leaves = self.leaves();
        let last_col = cols.1.min(self.display_cols().saturating_sub(1));
        let col_blocks = (cols.0 / leaves / BLOCK_COLS)..=(last_col / leaves / BLOCK_COLS);
        let grid = &self.spec.grid;
        let dims = &self.spec.dims;
        let missing: Vec<(BlockKey, Block)> = row_blocks
            .flat_map(|r| col_blocks.clone().map(move |c| (r, c)))
            .filter(|k| !self.blocks.contains_key(k))
            .filter_map(|(r, c)| Some(((r, c), grid.block(dims, r, c)?)))
            .collect();
        let covered = self.pending.as_ref().is_some_and(|p| {
            p.grid == self.spec.grid && missing.iter().all(|(k, _)| p.blocks.contains(k))
        });
        if missing.is_empty() || covered {
            return;
        }
        *next_req += 1;
        loader.send(Request::Cells {
            req: *next_req,
            view,
            source: TableSource {
                file,
                path: self.spec.path.clone(),
                grid: self.spec.grid.clone(),
                dims: self.spec.dims.clone(),
                outside: self.outside,
            },
            blocks: missing.iter().map(|(_, b)| *b).collect(),
        });
        self.pending = Some(Pending {
            req: *next_req,
            grid: self.spec.grid.clone(),
            blocks: missing.into_iter().map(|(k, _)| k).collect(),
        });
    }

    /// Drops the blocks farthest from `here` beyond [`MAX_BLOCKS`].
    fn evict(&mut self, here: BlockKey) {
        if self.blocks.len() <= MAX_BLOCKS {
            return;
        }
        let mut keys: Vec<BlockKey> = self.blocks.keys().copied().collect();
        keys.sort_by_key(|&(r, c)| std::cmp::Reverse(r.abs_diff(here.0) + c.abs_diff(here.1)));
        for k in keys.into_iter().take(self.blocks.len() - MAX_BLOCKS) {
            self.blocks.remove(&k);
        }
    }
}
