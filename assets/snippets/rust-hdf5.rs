let file = hdf5::File::open({file})?;
let data: ndarray::ArrayD<{type}> = file.dataset({path})?.{read}?;
