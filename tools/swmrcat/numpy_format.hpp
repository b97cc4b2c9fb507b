#pragma once
// Arrays printed the way NumPy's str() prints them, and summaries of the large ones.

#include "swmrcat/array.hpp"

#include <string>
#include <vector>

namespace swmrd::cat {

// NumPy's str(array) with its default options: nested brackets, one width for every element
// so columns align, rows wrapped at 75 characters, blank lines between blocks of higher
// dimensions. Never elided with "...": callers summarise large arrays instead.
std::string numpy_str(const Array& array);

// The elements as NumPy formats them for that array, padded to one width, in C order.
std::vector<std::string> numpy_words(const Array& array);

// One line for an array too large to print: "min 0, max 4095, mean 2047.5". NaNs are left
// out of min, max and mean and counted instead; bool arrays count their true elements.
std::string summary(const Array& array);

} // namespace swmrd::cat
