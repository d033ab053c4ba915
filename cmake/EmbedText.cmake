# SPDX-License-Identifier: MIT
# Script mode: cmake -DINPUT=a.json -DOUTPUT=x.cpp -DSYMBOL=kName -P EmbedText.cmake
# Writes a C++ file defining `extern const char* const SYMBOL` in assay::core::embedded with the file's text.
file(READ "${INPUT}" content)
string(FIND "${content}" ")assay_embed\"" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT}; do not edit.\nnamespace assay::core::embedded {\nextern const char* const ${SYMBOL};\nconst char* const ${SYMBOL} = R\"assay_embed(${content})assay_embed\";\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
