//! The image view's tiles: the numbers each tile brought and its texture in the current
//! colours, bounded in bytes (least recently drawn go first). Never asks the loader for
//! anything; the view decides what to read.

use std::collections::HashMap;
use std::sync::Arc;

use crate::loader::tiles::{TILE, Tile, TileImage};
use crate::model::Plane;

/// The most bytes of numbers and textures kept (about 20 full-resolution tiles).
const BUDGET: u64 = 256 << 20;

struct Entry {
    image: Arc<TileImage>,
    /// The texture and the colouring generation it was painted with.
    texture: Option<(egui::TextureHandle, u64)>,
    used: u64,
}

impl Entry {
    fn bytes(&self) -> u64 {
        self.image.bytes() + 4 * (self.image.rows * self.image.cols) as u64
    }
}

#[derive(Default)]
pub struct TileStore {
    tiles: HashMap<(Plane, Tile), Entry>,
    bytes: u64,
    clock: u64,
}

impl TileStore {
    pub fn insert(&mut self, plane: Plane, tile: Tile, image: Arc<TileImage>) {
        self.clock += 1;
        let entry = Entry {
            image,
            texture: None,
            used: self.clock,
        };
        self.bytes += entry.bytes();
        if let Some(old) = self.tiles.insert((plane, tile), entry) {
            self.bytes -= old.bytes();
        }
        self.evict();
    }

    pub fn contains(&self, plane: &Plane, tile: &Tile) -> bool {
        self.tiles.contains_key(&(plane.clone(), *tile))
    }

    pub fn image(&self, plane: &Plane, tile: &Tile) -> Option<&Arc<TileImage>> {
        self.tiles.get(&(plane.clone(), *tile)).map(|e| &e.image)
    }

    /// The tiles of `plane`, coarsest first (finer ones are drawn over them).
    pub fn of_plane(&self, plane: &Plane) -> Vec<(Tile, Arc<TileImage>)> {
        let mut v: Vec<_> = (self.tiles.iter())
            .filter(|((p, _), _)| p == plane)
            .map(|((_, t), e)| (*t, e.image.clone()))
            .collect();
        v.sort_by_key(|(t, _)| std::cmp::Reverse(t.step));
        v
    }

    /// The finest tile of `plane` holding element (`row`, `col`), with that element's
    /// place in it.
    pub fn finest_at(&self, plane: &Plane, row: u64, col: u64) -> Option<(Tile, usize, usize)> {
        (self.tiles.iter())
            .filter(|((p, _), _)| p == plane)
            .filter_map(|((_, t), e)| {
                let span = TILE * t.step;
                let (r, c) = (row / span, col / span);
                let image = &e.image;
                let (i, j) = (
                    ((row % span) / t.step) as usize,
                    ((col % span) / t.step) as usize,
                );
                (r == t.row && c == t.col && i < image.rows && j < image.cols).then_some((*t, i, j))
            })
            .min_by_key(|(t, _, _)| t.step)
    }

    /// The tile's texture painted with colouring generation `generation`, painting it
    /// with `paint` when it is older.
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        plane: &Plane,
        tile: &Tile,
        generation: u64,
        paint: impl FnOnce(&TileImage) -> egui::ColorImage,
    ) -> Option<egui::TextureId> {
        self.clock += 1;
        let clock = self.clock;
        let e = self.tiles.get_mut(&(plane.clone(), *tile))?;
        e.used = clock;
        match &mut e.texture {
            Some((t, g)) if *g == generation => {}
            Some((t, g)) => {
                t.set(paint(&e.image), egui::TextureOptions::NEAREST);
                *g = generation;
            }
            None => {
                let name = format!("tile {}/{}/{}", tile.step, tile.row, tile.col);
                let t = ctx.load_texture(name, paint(&e.image), egui::TextureOptions::NEAREST);
                e.texture = Some((t, generation));
            }
        }
        e.texture.as_ref().map(|(t, _)| t.id())
    }

    /// Drops the least recently used tiles until the store fits its budget.
    fn evict(&mut self) {
        while self.bytes > BUDGET && self.tiles.len() > 1 {
            let Some(oldest) = (self.tiles.iter())
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                return;
            };
            if let Some(e) = self.tiles.remove(&oldest) {
                self.bytes -= e.bytes();
            }
        }
    }
}
