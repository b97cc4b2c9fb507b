#pragma once
// Floating-point text the way NumPy and Python print it, so that swmrcat's output reads like
// the swmr_tools examples people already know.

#include <cstddef>
#include <string>
#include <vector>

namespace swmrd::cat {

// The elements of a floating-point array as NumPy's default printing shows them (precision 8,
// floatmode "maxprec", linewidth aside): the shortest digits that identify the value in its
// own type (`item_size` 2, 4 or 8), at most 8 after the point, all padded to one width so
// columns align; scientific notation for all of them when the non-zero magnitudes span more
// than 1000x, reach 1e8 or fall below 1e-4.
std::vector<std::string> numpy_float_words(const std::vector<double>& values,
                                           std::size_t item_size);

// Python's repr() of a float: "2047.5", "1.0", "1e-05", "inf", "nan".
std::string python_float(double value);

} // namespace swmrd::cat
