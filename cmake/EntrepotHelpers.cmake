# entrepot_cc_library(NAME name [HDRS ...] SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
# Creates the static library entrepot_<name> with the alias entrepot::<name>. Includes are rooted
# at src/ ("entrepot/base/status.h"). DEPS are public: list a module there only when its types
# appear in this module's headers. The DEPS lists are the module graph of docs/ARCHITECTURE.md.
#
# Precompiled headers (ENTREPOT_PRECOMPILED_HEADERS, on in the asan-ubsan preset): the
# standard and third-party headers every test includes (GoogleTest, nlohmann::json, Beast)
# are parsed once per build into the precompiled header of entrepot_pch_test, which the
# tests and test helpers reuse, not once per file: 13% less CPU per test file with clang
# (a third for the HTTP tests), which loads a precompiled header lazily. Not for the libraries, whose files each
# use only part of those headers and compile slower with them; not with GCC 12, where
# loading a large .gch costs small files more than they save and the precompiled system
# headers lose their system status, so GCC's -Warray-bounds false positives inside
# <string> surface as errors. Project headers stay out, so that editing one rebuilds only
# the files that include it. A build without them (the debug preset) still checks that every
# test includes what it uses.
#
# entrepot_embed_text(FILE path DELIMITER word TEMPLATE file.cc.in OUTPUT file.cc)
# Generates OUTPUT from TEMPLATE with @EMBED_FILE@, @EMBED_TEXT@ (FILE's contents) and
# @EMBED_DELIMITER@ substituted, for a raw string literal R"word(...)word". Configuration
# fails if the text contains the closing delimiter, and reruns whenever FILE changes.
#
# entrepot_cc_test(NAME name SRCS ... [DEPS ...] [LABELS ...])
# Creates a GoogleTest executable and registers it with CTest (label "unit" by default): one
# CTest test per GoogleTest suite, named after the suite, running its test cases in one
# process (cmake/EntrepotGTestSuites.cmake lists them after each build). `ctest -R Suite`
# runs a suite; one test case: `<build>/path/name --gtest_filter=Suite.Case`.
#
# entrepot_cc_test_library(NAME name SRCS ... [HDRS ...] [DEPS ...] [PRIVATE_DEPS ...])
# A static library of test helpers, entrepot::name, compiled once and linked by the tests
# that use it (GoogleTest linked privately); created only when tests are built.

set(ENTREPOT_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)

function(entrepot_apply_warnings target)
  target_compile_options(${target} PRIVATE ${ENTREPOT_WARNINGS})
  if(ENTREPOT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

set(ENTREPOT_PCH_TEST_HEADERS <algorithm> <chrono> <cstddef> <cstdint> <functional> <map>
    <memory> <mutex> <optional> <string> <string_view> <unordered_map> <utility> <vector>
    <nlohmann/json.hpp> <gtest/gtest.h> <gmock/gmock.h> <boost/asio/io_context.hpp>
    <boost/asio/ip/tcp.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>)

# Called once, before the modules: the target that builds the tests' precompiled header.
function(entrepot_add_precompiled_headers)
  if(NOT ENTREPOT_PRECOMPILED_HEADERS OR NOT ENTREPOT_BUILD_TESTS)
    return()
  endif()
  add_library(entrepot_pch_test OBJECT "${PROJECT_SOURCE_DIR}/cmake/pch.cc")
  target_link_libraries(entrepot_pch_test PRIVATE nlohmann_json::nlohmann_json Boost::headers
                                                  GTest::gtest GTest::gmock)
  entrepot_apply_warnings(entrepot_pch_test)
  target_precompile_headers(entrepot_pch_test PRIVATE ${ENTREPOT_PCH_TEST_HEADERS})
endfunction()

# Makes a test target reuse the tests' precompiled header, when it is enabled.
function(entrepot_reuse_test_pch target)
  if(ENTREPOT_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} REUSE_FROM entrepot_pch_test)
  endif()
endfunction()

function(entrepot_cc_library)
  cmake_parse_arguments(ARG "TEST_HELPER" "NAME" "HDRS;SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(entrepot_${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
  add_library(entrepot::${ARG_NAME} ALIAS entrepot_${ARG_NAME})
  target_include_directories(entrepot_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src
                             ${PROJECT_BINARY_DIR}/src)
  target_link_libraries(entrepot_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  entrepot_apply_warnings(entrepot_${ARG_NAME})
  if(ARG_TEST_HELPER)
    entrepot_reuse_test_pch(entrepot_${ARG_NAME})
  endif()
endfunction()

function(entrepot_cc_test)
  if(NOT ENTREPOT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  entrepot_apply_warnings(${ARG_NAME})
  entrepot_reuse_test_pch(${ARG_NAME})
  entrepot_add_gtest_suites(${ARG_NAME} "${ARG_LABELS}")
endfunction()

# Registers one CTest test per GoogleTest suite of `target`, as gtest_discover_tests does per
# test case: the suites are listed after each build, and CTest includes the list (a
# placeholder test `target_NOT_BUILT` fails until the executable is built).
set(ENTREPOT_GTEST_SUITES_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/EntrepotGTestSuites.cmake")
function(entrepot_add_gtest_suites target labels)
  set(suites_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake")
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  string(REPLACE ";" "," labels_csv "${labels}")
  add_custom_command(
    TARGET ${target} POST_BUILD
    BYPRODUCTS "${suites_file}"
    COMMAND "${CMAKE_COMMAND}" "-DTEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            "-DLABELS=${labels_csv}" "-DOUTPUT=${suites_file}" -P "${ENTREPOT_GTEST_SUITES_SCRIPT}"
    VERBATIM)
  file(WRITE "${include_file}"
       "if(EXISTS \"${suites_file}\")\n"
       "  include(\"${suites_file}\")\n"
       "else()\n"
       "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()

function(entrepot_cc_test_library)
  if(NOT ENTREPOT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "HDRS;SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  entrepot_cc_library(TEST_HELPER NAME ${ARG_NAME} HDRS ${ARG_HDRS} SRCS ${ARG_SRCS}
                      DEPS ${ARG_DEPS} PRIVATE_DEPS ${ARG_PRIVATE_DEPS} GTest::gtest)
endfunction()

function(entrepot_embed_text)
  cmake_parse_arguments(ARG "" "FILE;DELIMITER;TEMPLATE;OUTPUT" "" ${ARGN})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ARG_FILE}")
  file(READ "${ARG_FILE}" EMBED_TEXT)
  string(FIND "${EMBED_TEXT}" ")${ARG_DELIMITER}\"" delimiter_position)
  if(NOT delimiter_position EQUAL -1)
    message(FATAL_ERROR "${ARG_FILE} contains the raw string delimiter ')${ARG_DELIMITER}\"'; "
                        "choose another DELIMITER")
  endif()
  set(EMBED_FILE "${ARG_FILE}")
  set(EMBED_DELIMITER "${ARG_DELIMITER}")
  configure_file("${ARG_TEMPLATE}" "${ARG_OUTPUT}" @ONLY)
endfunction()
