# SPDX-License-Identifier: MIT
# Project-wide helpers: one place for warning flags and test registration.

option(ASSAY_WARNINGS_AS_ERRORS "Treat compiler warnings in project code as errors" ON)
option(ASSAY_SANITIZE "Build with address and undefined-behaviour sanitizers" OFF)

function(assay_add_warnings target)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                 -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                                 -Wconversion -Wno-sign-conversion -Wimplicit-fallthrough)
        if(ASSAY_WARNINGS_AS_ERRORS)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
        if(ASSAY_SANITIZE)
            target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
            target_link_options(${target} PRIVATE -fsanitize=address,undefined)
        endif()
    endif()
endfunction()

# Qt-side targets: strict string handling and no context-less connects (STYLE.md).
function(assay_qt_defaults target)
    target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_USE_QSTRINGBUILDER QT_NO_FOREACH
                                                 QT_NO_CONTEXTLESS_CONNECT QT_NO_KEYWORDS)
endfunction()

# assay_add_test(NAME tst_x SOURCES a.cpp LIBS lib... [GUI] [LABELS l...] [TIMEOUT s])
function(assay_add_test)
    cmake_parse_arguments(T "GUI" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Qt6::Test)
    set_target_properties(${T_NAME} PROPERTIES AUTOMOC ON)
    assay_add_warnings(${T_NAME})
    target_compile_definitions(${T_NAME} PRIVATE QT_NO_CONTEXTLESS_CONNECT
                                                 ASSAY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                                 ASSAY_BINARY_DIR="${PROJECT_BINARY_DIR}")
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set(env "QT_QPA_PLATFORM=offscreen" "ASSAY_TEST_OUTPUT=${PROJECT_BINARY_DIR}/test-output")
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${env}" TIMEOUT ${T_TIMEOUT})
    if(T_LABELS)
        set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
    endif()
endfunction()
