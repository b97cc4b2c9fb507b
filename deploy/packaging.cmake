# Installation and the Debian package. Included by the top-level CMakeLists.txt after the
# targets are defined:
#     include(deploy/packaging.cmake)
#
#   cmake --install build --prefix /usr     binaries, unit, config, Python client, docs
#                                           (DESTDIR=/tmp/stage to stage it elsewhere)
#   cd build && cpack -G DEB                swmrd_<version>_amd64.deb
#
# The binaries install themselves in their own CMakeLists.txt: swmrd to sbin, swmr-sim,
# swmrctl and swmrcat to bin. This file adds everything else.

include(GNUInstallDirs)

set(SWMRD_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes, relative to the install prefix")
set(SWMRD_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING
    "Where the sysusers.d file goes, relative to the install prefix")
# Debian's /usr/bin/python3 finds packages here; not the interpreter CMake found, which may be
# another one.
set(SWMRD_PYTHON_DIR "lib/python3/dist-packages" CACHE STRING
    "Where the Python package swmrd goes, relative to the install prefix")
option(SWMRD_INSTALL_PYTHON "Install the Python client package" ON)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/swmrd.service
        DESTINATION ${SWMRD_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/deploy/swmrd.sysusers
        DESTINATION ${SWMRD_SYSUSERS_DIR} RENAME swmrd.conf)
# Absolute, as the unit expects it there whatever the prefix; DESTDIR still applies
# (DESTDIR=/tmp/stage cmake --install build --prefix /usr), and so does CPack.
set(SWMRD_CONFIG_DIR "/etc/swmrd" CACHE PATH "Where swmrd.yaml goes (absolute)")
install(FILES ${PROJECT_SOURCE_DIR}/deploy/swmrd.yaml DESTINATION ${SWMRD_CONFIG_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/protocol.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/examples/subscriber.py
              ${PROJECT_SOURCE_DIR}/docs/examples/subscriber.cpp
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
if(SWMRD_INSTALL_PYTHON)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/swmrd DESTINATION ${SWMRD_PYTHON_DIR}
            FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
endif()

# -- CPack: one .deb ------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME "swmrd")
set(CPACK_PACKAGE_VENDOR "swmrd")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "swmrd watches HDF5 files written in SWMR mode by detectors, reads every newly completed\
 frame and publishes it with its slice metadata over ZeroMQ, with the semantics of\
 swmr_tools' DataSource. Includes swmr-sim, swmrctl, swmrcat and the Python client.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "swmrd maintainers <swmrd@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "file:///usr/share/doc/swmrd")
# The runtime libraries of Debian bookworm the binaries link, and the HDF5 filter plugins the
# daemon needs to read compressed data (LZ4, BZip2; Blosc).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libhdf5-103-1, libzmq5, libyaml-cpp0.7, libspdlog1.10, libfmt9, libsystemd0, \
libmicrohttpd12, libprometheus-cpp-core1.0, libstdc++6, libgcc-s1, libc6, \
hdf5-filter-plugin, hdf5-filter-plugin-blosc-serial")
# Bitshuffle's HDF5 plugin decodes Eiger, Jungfrau and odin-data frames for raw reads.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "bitshuffle, python3, python3-zmq, python3-msgpack, python3-numpy")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-h5py, python3-lz4, python3-blosc, python3-hdf5plugin")
# /etc/swmrd/swmrd.yaml is a conffile (kept on upgrade when edited); the maintainer scripts
# create the user and tell systemd about the unit without starting it.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
