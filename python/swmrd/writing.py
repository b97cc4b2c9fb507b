"""Writing results back to HDF5, as swmr_tools' helpers do: one result per scan point, stored at
the point's slice. Works with h5py objects; this module does not import h5py itself."""

import numpy as np


def create_dataset(data, scan_maxshape, fh, path, **kwargs):
    """Creates ``path`` in ``fh`` (an h5py File or Group) for results shaped like ``data``,
    one per point of a scan of max shape ``scan_maxshape`` (None where unlimited), and stores
    ``data`` as the first point's. Extra keyword arguments go to h5py's create_dataset."""
    data = np.asarray(data)
    scan_maxshape = tuple(scan_maxshape)
    maxshape = scan_maxshape + data.shape
    shape = (1,) * len(scan_maxshape) + data.shape
    if "chunks" not in kwargs:
        # Tiny results share a chunk across the scan; larger ones get a chunk per point.
        if data.size < 10:
            kwargs["chunks"] = tuple(1 if n is None else n for n in maxshape)
        else:
            kwargs["chunks"] = shape
    return fh.create_dataset(path, data=data.reshape(shape), maxshape=maxshape, **kwargs)


def append_data(data, slice_metadata, dataset):
    """Stores ``data`` at the scan point ``slice_metadata`` of ``dataset`` (made by
    create_dataset), growing the dataset where the point lies beyond its current shape."""
    data = np.asarray(data)
    selection = tuple(slice_metadata) + tuple(slice(0, n, 1) for n in data.shape)
    current = dataset.shape
    wanted = tuple(max(s.stop, n) for s, n in zip(selection, current))
    if any(w > n for w, n in zip(wanted, current)):
        dataset.resize(wanted)
    dataset[selection] = data
