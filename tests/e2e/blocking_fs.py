"""A FUSE passthrough filesystem whose reads block while a flag file exists: a network
filesystem that stops answering, for the tests of a daemon that must not hang with it.

    blocking_fs.py BACKING_DIR MOUNTPOINT FLAG_FILE

Runs in the foreground until unmounted (fusermount -u, or umount as root). Needs Debian's
python3-fusepy (and /dev/fuse).
"""

import errno
import os
import sys
import time

import fusepy


class BlockingPassthrough(fusepy.Operations):
    def __init__(self, root, flag):
        self.root = root
        self.flag = flag

    def _path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._path(path))
        except FileNotFoundError:
            raise fusepy.FuseOSError(errno.ENOENT)
        return {key: getattr(st, key) for key in (
            "st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size",
            "st_uid")}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._path(path))

    def open(self, path, flags):
        return os.open(self._path(path), flags)

    def read(self, path, size, offset, fh):
        while os.path.exists(self.flag):  # the server stopped answering
            time.sleep(0.01)
        return os.pread(fh, size, offset)

    def release(self, path, fh):
        os.close(fh)
        return 0

    def statfs(self, path):
        st = os.statvfs(self._path(path))
        return {key: getattr(st, key) for key in (
            "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files",
            "f_flag", "f_frsize", "f_namemax")}


if __name__ == "__main__":
    backing, mountpoint, flag = sys.argv[1:4]
    fusepy.FUSE(BlockingPassthrough(backing, flag), mountpoint, foreground=True,
                direct_io=True, ro=True, allow_other=False)
