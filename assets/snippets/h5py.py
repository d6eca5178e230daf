import h5py

with h5py.File({file}, "r") as f:
    data = f[{path}]{index}
