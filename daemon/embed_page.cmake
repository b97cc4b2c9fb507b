# Turns daemon/web/live_view.html into a header holding it as a string, at build time.
file(READ ${INPUT} page)
string(FIND "${page}" ")swmrd_page\"" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains the raw string's closing delimiter")
endif()
file(WRITE ${OUTPUT}.tmp "#pragma once\n// Generated from ${INPUT}; edit that file.\n#include <string_view>\nnamespace swmrd::daemon {\ninline constexpr std::string_view live_view_html = R\"swmrd_page(${page})swmrd_page\";\n}\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
