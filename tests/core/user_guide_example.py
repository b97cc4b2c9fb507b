"""The swmr_tools user guide's example file ("Basic Use", "Reading Data"), written exactly
as the guide does, plus the values of both datasets as raw little-endian int64 beside it
(FILE.data_1, FILE.data_2) so a test can compare what it reads.

Usage: user_guide_example.py FILE.h5
"""
import sys

import h5py
import numpy as np


def main(path):
    # Create a small dataset to extract frames from
    data_1 = np.random.randint(low=-10000, high=10000, size=(2, 2, 5, 10))
    data_2 = np.random.randint(low=-10000, high=10000, size=(2, 2, 5, 10))
    keys_1 = np.arange(1, 5).reshape(2, 2, 1, 1)

    # Save data to an hdf5 File
    with h5py.File(path, "w", libver="latest") as f:
        f.create_group("keys")
        f.create_group("data")
        f["keys"].create_dataset("keys_1", data=keys_1)
        f["data"].create_dataset("data_1", data=data_1)
        f["data"].create_dataset("data_2", data=data_2)

    data_1.astype("<i8").tofile(path + ".data_1")
    data_2.astype("<i8").tofile(path + ".data_2")


if __name__ == "__main__":
    main(sys.argv[1])
