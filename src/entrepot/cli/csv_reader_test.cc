#include "entrepot/cli/csv_reader.h"

#include <cstdint>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace entrepot::cli {
namespace {

using Fields = std::vector<std::string>;

// Every record of `text`, or the reason of each refused one as {"!reason", line}.
std::vector<Fields> ReadAll(const std::string& text, size_t max_bytes = kMaxCsvRecordBytes,
                            size_t max_fields = kMaxCsvFields) {
  std::istringstream in(text);
  CsvReader reader(in, max_bytes, max_fields);
  std::vector<Fields> records;
  Fields fields;
  for (;;) {
    StatusOr<bool> next = reader.Next(fields);
    if (!next.ok()) {
      records.push_back({"!" + next.status().reason(), std::to_string(reader.line_number())});
      continue;
    }
    if (!*next) {
      return records;
    }
    records.push_back(fields);
  }
}

TEST(CsvReaderTest, ReadsPlainFieldsWithLfAndCrlf) {
  EXPECT_EQ(ReadAll("a,b,c\r\n1,,3\nx"),
            (std::vector<Fields>{{"a", "b", "c"}, {"1", "", "3"}, {"x"}}));
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  EXPECT_EQ(ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",z\n"),
            (std::vector<Fields>{{"a,b", "say \"hi\"", ""}, {"two\nlines", "z"}}));
}

TEST(CsvReaderTest, LineNumbersAreWhereEachRecordStarts) {
  std::istringstream in("h\n\"a\nb\"\n\nc\n");
  CsvReader reader(in);
  Fields fields;
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(reader.line_number(), 1u);
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(reader.line_number(), 2u);
  ASSERT_TRUE(*reader.Next(fields));  // The empty line: a record without fields.
  EXPECT_TRUE(fields.empty());
  EXPECT_EQ(reader.line_number(), 4u);
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(fields, Fields{"c"});
  EXPECT_EQ(reader.line_number(), 5u);
  EXPECT_FALSE(*reader.Next(fields));
}

TEST(CsvReaderTest, SkipsAByteOrderMarkOnlyAtTheStart) {
  EXPECT_EQ(ReadAll("\xEF\xBB\xBF\"id\",x\n\xEF\xBB\xBF\n"),
            (std::vector<Fields>{{"id", "x"}, {"\xEF\xBB\xBF"}}));
  EXPECT_EQ(ReadAll("ab"), (std::vector<Fields>{{"ab"}}));  // Shorter than a mark.
}

TEST(CsvReaderTest, BadQuotesAreRefusedAndTheLineSkipped) {
  EXPECT_EQ(ReadAll("ab\"c,d\nok\n\"ab\"c,d\nok2\n"),
            (std::vector<Fields>{{"!bad_quote", "1"}, {"ok"}, {"!bad_quote", "3"}, {"ok2"}}));
}

TEST(CsvReaderTest, UnterminatedQuoteAtTheEndIsRefused) {
  EXPECT_EQ(ReadAll("a\n\"never closed,\nb\n"),
            (std::vector<Fields>{{"a"}, {"!unterminated_quote", "2"}}));
}

TEST(CsvReaderTest, OverlongRecordIsRefusedAndSkippedToItsLineEnd) {
  EXPECT_EQ(ReadAll(std::string(100, 'x') + ",y\nshort\n", 16),
            (std::vector<Fields>{{"!record_too_long", "1"}, {"short"}}));
  // A quoted field cannot grow past the limit either.
  EXPECT_EQ(ReadAll("\"" + std::string(100, 'x') + "\nz\n", 16),
            (std::vector<Fields>{{"!record_too_long", "1"}, {"z"}}));
}

TEST(CsvReaderTest, TooManyFieldsAreRefused) {
  EXPECT_EQ(ReadAll("a,b,c,d\na,b\n", kMaxCsvRecordBytes, 3),
            (std::vector<Fields>{{"!too_many_fields", "1"}, {"a", "b"}}));
  EXPECT_EQ(ReadAll("a,b,c,\n", kMaxCsvRecordBytes, 3),
            (std::vector<Fields>{{"!too_many_fields", "1"}}));
}

// Fuzz-style: random bytes from a CSV-heavy alphabet never crash the reader, every record
// respects the limits, and the reader always reaches the end.
TEST(CsvReaderTest, RandomInputStaysWithinLimits) {
  uint64_t seed = std::random_device{}();
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  const std::string alphabet = "ab,\"\r\n\xEF\xBB\xBF";
  for (int round = 0; round < 200; ++round) {
    std::string text;
    size_t length = random() % 400;
    for (size_t i = 0; i < length; ++i) {
      text.push_back(alphabet[random() % alphabet.size()]);
    }
    std::istringstream in(text);
    CsvReader reader(in, 32, 4);
    Fields fields;
    size_t calls = 0;
    for (;;) {
      ASSERT_LE(++calls, text.size() + 2) << "seed " << seed << " round " << round;
      StatusOr<bool> next = reader.Next(fields);
      if (next.ok() && !*next) {
        break;
      }
      if (next.ok()) {
        size_t bytes = 0;
        for (const std::string& field : fields) {
          bytes += field.size();
        }
        ASSERT_LE(fields.size(), 4u) << "seed " << seed;
        ASSERT_LE(bytes, 32u) << "seed " << seed;
      }
    }
  }
}

}  // namespace
}  // namespace entrepot::cli
