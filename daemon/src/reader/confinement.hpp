#pragma once
// How a reader process is confined: Linux's Landlock, which needs no privilege. The daemon
// asks which confinement this host offers (for `ping`'s features, /metrics and the log); a
// reader process applies it to itself before it opens any file.

#include <string>
#include <vector>

namespace swmrd::reader {

// The Landlock ABI this kernel offers, 0 when it offers none. SWMRD_DISABLE_LANDLOCK=1 in
// the daemon's environment makes it 0 (kernels where it misbehaves; the tests of the
// fallback): control watches then read no file but their own.
int landlock_abi();
// "landlock" or "none": the confinement readers get, as `ping` and /metrics say it.
const char* confinement_name();

// Loads every filter plugin on HDF5's plugin path and registers it with HDF5, so that the
// libraries they need are in memory before the process loses the right to open them.
void preload_filter_plugins();

// From now on this process may read only under `readable` (files and folders), may write,
// create or remove nothing, may not connect or bind TCP, and gains no privilege by exec.
// Throws std::runtime_error saying why when the kernel refuses.
void confine_to(const std::vector<std::string>& readable);

} // namespace swmrd::reader
