// Strict Unicode helpers for the Canonical ABI's strings: UTF-8 and UTF-16
// (little-endian) decoding that rejects what Python's strict codecs reject
// (overlong forms, surrogates in UTF-8, unpaired surrogates in UTF-16, code
// points above 0x10ffff), latin-1, and the encoders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spindle::component {

// Whether [p, p + n) is valid UTF-8; `bad` gets the offset of the first error.
bool utf8_valid(const uint8_t* p, size_t n, size_t* bad);
// Decodes UTF-8 into code points (false on invalid input).
bool utf8_decode(std::string_view s, std::vector<char32_t>& out, size_t* bad);
// Decodes `units` UTF-16LE code units at `p`, appending UTF-8 to `out`.
bool utf16_to_utf8(const uint8_t* p, size_t units, std::string& out, size_t* bad);
void latin1_to_utf8(const uint8_t* p, size_t n, std::string& out);

void append_utf8(std::string& out, char32_t c);
std::string encode_utf8(const std::vector<char32_t>& cps);
// UTF-16LE bytes.
std::string encode_utf16(const std::vector<char32_t>& cps);
size_t utf16_length(const std::vector<char32_t>& cps);

}  // namespace spindle::component
