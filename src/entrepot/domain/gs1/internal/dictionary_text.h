// File: internal/dictionary_text.h
//
// The text of data/gs1/gs1-syntax-dictionary.txt, embedded at build time: CMake reads the
// file and writes it into a generated source file in the build tree
// (internal/dictionary_text.cc.in is the template). Only syntax_dictionary.cc uses this.
#pragma once

#include <string_view>

namespace entrepot::gs1::internal {

// The embedded dictionary text, byte for byte. Static storage; never empty.
std::string_view SyntaxDictionaryText();

}  // namespace entrepot::gs1::internal
