#include "entrepot/domain/gs1/syntax_dictionary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "entrepot/domain/gs1/internal/dictionary_text.h"

namespace entrepot::gs1 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Expands the first field of every entry line independently of the parser under test.
std::vector<std::string> AisListedInFile(std::string_view text) {
  std::vector<std::string> ais;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string line(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const std::string field = line.substr(0, line.find(' '));
    const std::size_t dash = field.find('-');
    const std::string first = field.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : field.substr(dash + 1);
    for (int ai = std::stoi(first); ai <= std::stoi(last); ++ai) {
      std::string text_ai = std::to_string(ai);
      ais.push_back(std::string(first.size() - text_ai.size(), '0') + text_ai);
    }
  }
  return ais;
}

TEST(SyntaxDictionaryTest, DefaultTableHasEveryAiOfTheFile) {
  const AiTable& table = DefaultAiTable();
  const std::vector<std::string> ais = AisListedInFile(internal::SyntaxDictionaryText());
  EXPECT_EQ(ais.size(), 541u);  // 224 entry lines, ranges expanded.
  EXPECT_EQ(table.Size(), ais.size());
  for (const std::string& ai : ais) {
    const AiEntry* entry = table.Find(ai);
    ASSERT_NE(entry, nullptr) << ai;
    EXPECT_EQ(entry->ai, ai);
    EXPECT_EQ(table.FindPrefix(ai + "123456"), entry) << ai;
  }
}

TEST(SyntaxDictionaryTest, EmbeddedTextIsTheVendoredFile) {
  std::ifstream file(ENTREPOT_GS1_DICTIONARY_FILE, std::ios::binary);
  ASSERT_TRUE(file.is_open()) << ENTREPOT_GS1_DICTIONARY_FILE;
  const std::string contents((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(internal::SyntaxDictionaryText(), contents);
  EXPECT_THAT(contents, StartsWith("# GS1 Barcode Syntax Dictionary"));
}

TEST(SyntaxDictionaryTest, GtinEntryCarriesAllFields) {
  const AiEntry* gtin = DefaultAiTable().Find("01");
  ASSERT_NE(gtin, nullptr);
  EXPECT_EQ(gtin->title, "GTIN");
  EXPECT_EQ(gtin->flags, "*?");
  EXPECT_FALSE(gtin->fnc1_required);
  EXPECT_TRUE(gtin->dl_data_attribute);
  ASSERT_EQ(gtin->components.size(), 1u);
  EXPECT_EQ(gtin->components[0].charset, CharSet::kNumeric);
  EXPECT_EQ(gtin->components[0].min_length, 14);
  EXPECT_EQ(gtin->components[0].max_length, 14);
  EXPECT_THAT(gtin->components[0].linters, ElementsAre(Linter::kCsum, Linter::kGcpPos2));
  EXPECT_THAT(gtin->ex, ElementsAre("255", "37"));
  EXPECT_TRUE(gtin->dlpkey);
  ASSERT_EQ(gtin->dl_qualifiers.size(), 2u);
  EXPECT_THAT(gtin->dl_qualifiers[0], ElementsAre("22", "10", "21"));
  EXPECT_THAT(gtin->dl_qualifiers[1], ElementsAre("235"));
  EXPECT_EQ(gtin->min_length, 14);
  EXPECT_EQ(gtin->max_length, 14);
}

TEST(SyntaxDictionaryTest, RangeAndOptionalComponentsAndReqAlternatives) {
  const AiTable& table = DefaultAiTable();
  const AiEntry* weight = table.Find("3103");
  ASSERT_NE(weight, nullptr);
  EXPECT_EQ(weight->title, "NET WEIGHT (kg)");
  EXPECT_THAT(weight->ex, ElementsAre("310n"));
  EXPECT_EQ(table.Find("3106"), nullptr);

  const AiEntry* gcn = table.Find("255");
  ASSERT_NE(gcn, nullptr);
  ASSERT_EQ(gcn->components.size(), 2u);
  EXPECT_TRUE(gcn->components[1].optional);
  EXPECT_EQ(gcn->min_length, 13);
  EXPECT_EQ(gcn->max_length, 25);
  EXPECT_TRUE(gcn->fnc1_required);

  const AiEntry* secondary_serial = table.Find("250");
  ASSERT_NE(secondary_serial, nullptr);
  ASSERT_EQ(secondary_serial->req.size(), 1u);
  ASSERT_EQ(secondary_serial->req[0].size(), 3u);
  EXPECT_THAT(secondary_serial->req[0][0], ElementsAre("01", "21"));

  const AiEntry* coupon = table.Find("8110");
  ASSERT_NE(coupon, nullptr);
  EXPECT_EQ(coupon->title, "");
  EXPECT_THAT(coupon->components[0].linters, ElementsAre(Linter::kCouponCode));
}

TEST(SyntaxDictionaryTest, FindRejectsMalformedAis) {
  const AiTable& table = DefaultAiTable();
  EXPECT_EQ(table.Find(""), nullptr);
  EXPECT_EQ(table.Find("1"), nullptr);
  EXPECT_EQ(table.Find("12345"), nullptr);
  EXPECT_EQ(table.Find("0A"), nullptr);
  EXPECT_EQ(table.Find("23"), nullptr);
}

TEST(SyntaxDictionaryTest, FindPrefixUsesTheLengthOfTheAiFamily) {
  const AiTable& table = DefaultAiTable();
  EXPECT_EQ(table.FindPrefix("0109506000134352")->ai, "01");
  EXPECT_EQ(table.FindPrefix("3103000123")->ai, "3103");
  EXPECT_EQ(table.FindPrefix("710ABC")->ai, "710");
  EXPECT_EQ(table.FindPrefix("7003")->ai, "7003");
  EXPECT_EQ(table.FindPrefix("700"), nullptr);   // Too short for a 4-digit AI.
  EXPECT_EQ(table.FindPrefix("2399"), nullptr);  // No AI starts with 23 but 235.
  EXPECT_EQ(table.FindPrefix("1"), nullptr);
  EXPECT_EQ(table.FindPrefix("AB12"), nullptr);
}

TEST(SyntaxDictionaryTest, ParsesASmallDictionary) {
  const StatusOr<AiTable> table = ParseSyntaxDictionary(
      "# comment\n"
      "\n"
      "01  *?  N14,csum   dlpkey=10   # GTIN\n"
      "10   ?  X..20      req=01 future=1 solitary   # BATCH\n"
      "91-92   X..90\n");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->Size(), 4u);
  EXPECT_EQ(table->Find("10")->title, "BATCH");
  EXPECT_EQ(table->Find("92")->title, "");
  EXPECT_EQ(table->Find("92")->flags, "");
}

struct BadDictionaryCase {
  const char* text;
  const char* message_part;
};

TEST(SyntaxDictionaryTest, MalformedLinesAreErrorsWithTheirLineNumber) {
  const BadDictionaryCase cases[] = {
      {"1 N2", "malformed AI"},
      {"3105-3100 N6", "malformed AI"},
      {"310-3105 N6", "malformed AI"},
      {"01 *", "no specification components"},
      {"01 Q14", "no specification components"},
      {"01 X", "malformed component type"},
      {"01 N14,foo", "unknown linter 'foo'"},
      {"01 N..5 N2", "only the last component"},
      {"01 N2 [N2] N2", "a mandatory component follows an optional one"},
      {"01 * X..20", "must have a fixed length"},
      {"01 N0", "malformed length"},
      {"01 N100", "malformed length"},
      {"01 [N2", "unterminated"},
      {"01 [N2]x", "malformed component"},
      {"01 N2 req=0x", "malformed AI pattern"},
      {"01 N2 ex=01,,01", "malformed AI pattern"},
      {"01 N2 dlpkey=1", "malformed dlpkey qualifier"},
      {"01 N2 req=01 N2", "after attributes"},
      {"01 N2 req=02", "matches no AI"},
      {"01 N2 dlpkey=22", "matches no AI"},
  };
  for (const BadDictionaryCase& c : cases) {
    const std::string text = std::string("# header\n\n") + c.text + "\n";
    const StatusOr<AiTable> table = ParseSyntaxDictionary(text);
    ASSERT_FALSE(table.ok()) << c.text;
    EXPECT_EQ(table.status().reason(), "bad_dictionary") << c.text;
    EXPECT_THAT(table.status().message(), StartsWith("line 3: ")) << c.text;
    EXPECT_THAT(table.status().message(), HasSubstr(c.message_part)) << c.text;
  }
}

TEST(SyntaxDictionaryTest, DuplicateAndPrefixClashingAisAreErrors) {
  EXPECT_THAT(ParseSyntaxDictionary("01 N2\n01 N2\n").status().message(),
              HasSubstr("defined twice"));
  EXPECT_THAT(ParseSyntaxDictionary("00-05 N2\n03 N2\n").status().message(),
              HasSubstr("line 2: AI (03) is defined twice"));
  EXPECT_THAT(ParseSyntaxDictionary("01 N2\n010 N3\n").status().message(),
              HasSubstr("different length"));
}

TEST(SyntaxDictionaryTest, LinterNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Linter::kPieceOfTotal); ++i) {
    const Linter linter = static_cast<Linter>(i);
    EXPECT_EQ(LinterFromName(LinterName(linter)), linter) << i;
  }
  EXPECT_EQ(LinterFromName("nosuchlinter"), std::nullopt);
}

TEST(SyntaxDictionaryTest, PatternsMatchDigitWildcards) {
  EXPECT_TRUE(AiMatchesPattern("35nn", "3512"));
  EXPECT_TRUE(AiMatchesPattern("310n", "3105"));
  EXPECT_TRUE(AiMatchesPattern("01", "01"));
  EXPECT_FALSE(AiMatchesPattern("310n", "3115"));
  EXPECT_FALSE(AiMatchesPattern("01", "010"));
  EXPECT_FALSE(AiMatchesPattern("35nn", "351"));
}

}  // namespace
}  // namespace entrepot::gs1
