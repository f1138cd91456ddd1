#include "entrepot/store/crc32c.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

// Test vectors from RFC 3720 (iSCSI), appendix B.4, and the customary check value.
TEST(Crc32cTest, MatchesTheCheckValue) { EXPECT_EQ(Crc32c("123456789"), 0xE3069283u); }

TEST(Crc32cTest, EmptyInputIsZero) { EXPECT_EQ(Crc32c(""), 0u); }

TEST(Crc32cTest, MatchesRfc3720Vectors) {
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);

  std::string ascending;
  std::string descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);

  const unsigned char iscsi_read[48] = {0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                        0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(Crc32c(std::string(reinterpret_cast<const char*>(iscsi_read), sizeof(iscsi_read))),
            0xD9963A56u);
}

// The 8-byte main loop and the byte-wise tail must agree at every split and alignment.
TEST(Crc32cTest, ExtendEqualsWholeAtEverySplit) {
  std::string data;
  for (int i = 0; i < 100; ++i) {
    data.push_back(static_cast<char>(i * 37 + 11));
  }
  // The bit-at-a-time definition, as an independent reference.
  uint32_t reference = ~0u;
  for (char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    reference ^= byte;
    for (int bit = 0; bit < 8; ++bit) {
      reference = (reference & 1) != 0 ? (reference >> 1) ^ 0x82F63B78u : reference >> 1;
    }
  }
  reference = ~reference;
  EXPECT_EQ(Crc32c(data), reference);
  for (size_t split = 0; split <= data.size(); ++split) {
    const std::string_view view(data);
    EXPECT_EQ(Crc32cExtend(Crc32c(view.substr(0, split)), view.substr(split)), reference)
        << "split at " << split;
  }
}

TEST(Crc32cTest, PortableImplementationMatchesTheVectors) {
  EXPECT_EQ(internal::Crc32cExtendPortable(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(internal::Crc32cExtendPortable(0, std::string(32, '\xFF')), 0x62A8AB43u);
}

// Whichever implementation Crc32cExtend() picked must equal the portable one, at every length
// and alignment.
TEST(Crc32cTest, DispatchedImplementationEqualsThePortableOne) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    data.push_back(static_cast<char>((i * 131 + 7) % 256));
  }
  const std::string_view view(data);
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t length = 0; offset + length <= view.size(); length += 7) {
      const std::string_view piece = view.substr(offset, length);
      ASSERT_EQ(Crc32cExtend(0x12345678u, piece),
                internal::Crc32cExtendPortable(0x12345678u, piece))
          << "offset " << offset << ", length " << length;
    }
  }
}

TEST(Crc32cTest, DetectsASingleBitFlip) {
  std::string data(120, 'x');
  const uint32_t original = Crc32c(data);
  data[57] = static_cast<char>(data[57] ^ 0x04);
  EXPECT_NE(Crc32c(data), original);
}

}  // namespace
}  // namespace entrepot::store
