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
            # A checking build, kept short for CI's second build: -O0 and line tables only (-g1, enough for the
            # reports' file:line stack traces). Compiling core/catalog/promptjson.cpp with ASan+UBSan took 37.5 s of
            # CPU at -O2 -g, 17.0 s at -O1 -g1 and 8.7 s at -O0 -g1; the sanitizers find the same faults.
            target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -O0 -g1)
            target_link_options(${target} PRIVATE -fsanitize=address,undefined)
            if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
                # GCC 12 with ASan instrumentation and optimization reports -Wmaybe-uninitialized inside
                # std::variant (Result<T>'s storage, e.g. tests/core/tst_catalogio.cpp) where no read of
                # uninitialized memory exists: a false positive of sanitizer builds only (with ASSAY_CMAKE_ARGS
                # raising -O again, too). The plain build keeps the warning under -Werror; ASan checks at run time.
                target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
            endif()
        endif()
    endif()
endfunction()

# Qt-side targets: strict string handling and no context-less connects (STYLE.md).
function(assay_qt_defaults target)
    target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_USE_QSTRINGBUILDER QT_NO_FOREACH
                                                 QT_NO_CONTEXTLESS_CONNECT QT_NO_KEYWORDS)
endfunction()

# assay_add_test(NAME tst_x SOURCES a.cpp LIBS lib... [GUI] [LABELS l...] [TIMEOUT s] [WRAPPER script])
# WRAPPER runs the test as `script <test executable>` (e.g. inside a private D-Bus session).
# A Qt Test run that skipped something and failed nothing ("Totals: N passed, 0 failed, M skipped") is reported by
# ctest as Skipped, so its summary lists every skip; .ci/run fails on any skip outside the label `gpu`. The pattern
# needs "0 failed": a run that failed anything stays Failed.
function(assay_add_test)
    cmake_parse_arguments(T "GUI" "NAME;TIMEOUT;WRAPPER" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Qt6::Test)
    set_target_properties(${T_NAME} PROPERTIES AUTOMOC ON)
    assay_add_warnings(${T_NAME})
    target_compile_definitions(${T_NAME} PRIVATE QT_NO_CONTEXTLESS_CONNECT
                                                 ASSAY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                                 ASSAY_BINARY_DIR="${PROJECT_BINARY_DIR}")
    if(T_WRAPPER)
        add_test(NAME ${T_NAME} COMMAND ${T_WRAPPER} $<TARGET_FILE:${T_NAME}>)
    else()
        add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    endif()
    set(env "QT_QPA_PLATFORM=offscreen" "ASSAY_TEST_OUTPUT=${PROJECT_BINARY_DIR}/test-output")
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${env}" TIMEOUT ${T_TIMEOUT}
                                              SKIP_REGULAR_EXPRESSION "Totals: [0-9]+ passed, 0 failed, [1-9][0-9]* skipped")
    if(T_LABELS)
        set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
    endif()
endfunction()
