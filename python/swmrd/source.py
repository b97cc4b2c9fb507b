"""What DataSource and PullSource share: iteration, swmr_tools' writing helpers and the
context manager. Each subclass says how frames come (live, or pulled from the fetch channel)
and what closing it releases."""

from . import writing


class FrameSource:
    """The part of swmr_tools' DataSource that does not depend on where frames come from.

    Subclasses set ``maxshape`` once the run's max shape is known and ``_done`` once
    iteration is over, and define ``__next__`` and ``close``.
    """

    maxshape = None
    _done = False

    def __iter__(self):
        return self

    def __next__(self):
        raise NotImplementedError

    @property
    def ended(self):
        """True once iteration is over: the run ended, or failed."""
        return self._done

    def create_dataset(self, data, fh, path, **kwargs):
        """swmr_tools' ``ds.create_dataset(result_data, file_handle, hdf5_path)``: a dataset
        for one result per scan point, shaped by the run's max shape.

        Parameters
        ----------
        data : numpy.ndarray
            One scan point's result: its shape and dtype make the dataset's.
        fh : h5py.File or h5py.Group
            Where the dataset is created.
        path : str
            The dataset's path in ``fh``.
        **kwargs
            Passed on to h5py's ``create_dataset`` (compression, chunks…).

        Returns
        -------
        h5py.Dataset
        """
        if self.maxshape is None:
            raise RuntimeError("the scan's max shape is known once the run has begun: call "
                               "create_dataset inside the loop")
        return writing.create_dataset(data, self.maxshape, fh, path, **kwargs)

    @staticmethod
    def append_data(data, slice_metadata, dataset):
        """swmr_tools' ``ds.append_data(result_data, slice_metadata, output_dataset)``: writes
        one scan point's result where its slice metadata places it."""
        return writing.append_data(data, slice_metadata, dataset)

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
