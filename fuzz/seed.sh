#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (not committed) with the starting inputs: the committed seeds
# (fuzz/seeds/, including inputs that once crashed), messages encoded from the demo file
# (tests/fuzz_seeds.rs), and for the file targets the small files of ../shared/corpus.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus="$repo/../shared/corpus"

for dir in "$here"/seeds/*/; do
  target=$(basename "$dir")
  mkdir -p "$here/corpus/$target"
  cp "$dir"* "$here/corpus/$target/"
done
(cd "$repo" && cargo test --quiet --test fuzz_seeds -- --ignored write_generated_seeds)

if [ -d "$corpus" ]; then
  for target in open_mutated signature; do
    mkdir -p "$here/corpus/$target"
    # Small files mutate fastest; 64 KiB keeps every format version and most writers.
    find "$corpus" -type f -size -64k \( -name '*.h5' -o -name '*.hdf5' -o -name '*.nc' \
      -o -name '*.nxs' -o -name '*.he5' -o -name '*.h5ad' -o -name '*.mat' \) \
      -exec cp -t "$here/corpus/$target/" {} +
  done
else
  echo "(../shared/corpus is absent: the file targets start from the committed seeds only)"
fi
echo "seeded: $(find "$here/corpus" -type f | wc -l) inputs"
