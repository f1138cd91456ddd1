// The source file of entrepot_pch_test, the target that builds the tests' precompiled header
// (cmake/EntrepotHelpers.cmake): CMake compiles the header itself; this file is empty.
