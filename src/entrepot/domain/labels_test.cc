#include "entrepot/domain/labels.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace entrepot::domain {
namespace {

constexpr std::string_view kAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

bool IsAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

// Fixed codes that look like real ones, plus seeded random codes of every length.
std::vector<std::pair<LabelKind, std::string>> SampleLabels(int copies_per_length = 4) {
  std::vector<std::pair<LabelKind, std::string>> samples = {
      {LabelKind::kLocation, "A-04-012-3-2"},
      {LabelKind::kLocation, "DOCK-03"},
      {LabelKind::kLocation, "PACK-12"},
      {LabelKind::kLocation, "DOOR-07"},
      {LabelKind::kContainer, "T00042"},
      {LabelKind::kContainer, "K001"},
      {LabelKind::kContainer, "R0400"},
      {LabelKind::kBadge, "W-0117"},
      {LabelKind::kBadge, "0"},
      {LabelKind::kLocation, std::string(32, 'Z')},
  };
  const uint32_t seed = 20240611;
  std::printf("SampleLabels seed: %u\n", seed);
  std::mt19937 rng(seed);
  for (size_t length = 1; length <= kMaxLabelCodeLength; ++length) {
    for (int copy = 0; copy < copies_per_length; ++copy) {
      std::string code;
      for (size_t i = 0; i < length; ++i) {
        bool hyphen_allowed = i > 0 && i + 1 < length && code.back() != '-';
        if (hyphen_allowed && rng() % 5 == 0) {
          code += '-';
        } else {
          code += kAlnum[rng() % kAlnum.size()];
        }
      }
      samples.emplace_back(static_cast<LabelKind>(rng() % 3), code);
    }
  }
  return samples;
}

TEST(LabelsTest, FormatMatchesIndependentlyComputedCheckCharacters) {
  // Computed with python-stdnum's iso7064.mod_37_36 over kind+code without hyphens.
  EXPECT_EQ(FormatLabel(LabelKind::kLocation, "A-04-012-3-2"), "L.A-04-012-3-2.Z");
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "T00042"), "C.T00042.2");
  EXPECT_EQ(FormatLabel(LabelKind::kBadge, "W-0117"), "B.W-0117.P");
  EXPECT_EQ(FormatLabel(LabelKind::kLocation, "DOCK-03"), "L.DOCK-03.L");
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "K001"), "C.K001.I");
  EXPECT_EQ(FormatLabel(LabelKind::kBadge, "12425GABC1234002"), "B.12425GABC1234002.3");
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "0"), "C.0.Q");
  // The examples of docs/LABELS.md.
  EXPECT_EQ(FormatLabel(LabelKind::kLocation, "P-07-031-2-1"), "L.P-07-031-2-1.K");
  EXPECT_EQ(FormatLabel(LabelKind::kLocation, "PACK-12"), "L.PACK-12.B");
  EXPECT_EQ(FormatLabel(LabelKind::kLocation, "DOOR-07"), "L.DOOR-07.G");
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "T00001"), "C.T00001.K");
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "R0001"), "C.R0001.0");
  EXPECT_EQ(FormatLabel(LabelKind::kLocation, std::string(32, 'Z')),
            "L." + std::string(32, 'Z') + ".U");
}

TEST(LabelsTest, KindLetters) {
  EXPECT_EQ(LabelKindLetter(LabelKind::kLocation), 'L');
  EXPECT_EQ(LabelKindLetter(LabelKind::kContainer), 'C');
  EXPECT_EQ(LabelKindLetter(LabelKind::kBadge), 'B');
}

TEST(LabelsTest, TheKindIsPartOfTheCheckedValue) {
  EXPECT_NE(LabelCheckCharacter(LabelKind::kLocation, "T00042"),
            LabelCheckCharacter(LabelKind::kContainer, "T00042"));
  StatusOr<InternalLabel> relabelled = ParseLabel("L.T00042.2");
  ASSERT_FALSE(relabelled.ok());
  EXPECT_EQ(relabelled.status().reason(), "bad_label_check");
}

TEST(LabelsTest, FormatParseRoundTrip) {
  for (const auto& [kind, code] : SampleLabels()) {
    std::string label = FormatLabel(kind, code);
    StatusOr<InternalLabel> parsed = ParseLabel(label);
    ASSERT_TRUE(parsed.ok()) << label << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->kind, kind) << label;
    EXPECT_EQ(parsed->code, code) << label;
    EXPECT_TRUE(LooksLikeLabel(label));
  }
}

TEST(LabelsTest, LowerCaseScansAreNormalisedToUpperCase) {
  StatusOr<InternalLabel> parsed = ParseLabel("l.a-04-012-3-2.z");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->kind, LabelKind::kLocation);
  EXPECT_EQ(parsed->code, "A-04-012-3-2");
  parsed = ParseLabel("c.T00042.2");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, (InternalLabel{LabelKind::kContainer, "T00042"}));
  parsed = ParseLabel("b.w-0117.p");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, (InternalLabel{LabelKind::kBadge, "W-0117"}));
}

TEST(LabelsTest, EverySingleSubstitutionOfALetterOrDigitIsCaught) {
  int tried = 0;
  for (const auto& [kind, code] : SampleLabels()) {
    const std::string label = FormatLabel(kind, code);
    for (size_t i = 0; i < label.size(); ++i) {
      if (!IsAlnum(label[i])) {
        continue;
      }
      for (char replacement : kAlnum) {
        if (replacement == label[i]) {
          continue;
        }
        std::string scan = label;
        scan[i] = replacement;
        ++tried;
        EXPECT_FALSE(ParseLabel(scan).ok()) << label << " misread as " << scan << " was accepted";
      }
    }
  }
  EXPECT_GT(tried, 50000);
}

TEST(LabelsTest, SubstitutingADotIsCaught) {
  for (const auto& [kind, code] : SampleLabels()) {
    const std::string label = FormatLabel(kind, code);
    for (size_t i : {size_t{1}, label.size() - 2}) {
      for (char replacement : std::string(kAlnum) + "-") {
        std::string scan = label;
        scan[i] = replacement;
        EXPECT_FALSE(ParseLabel(scan).ok()) << scan;
      }
    }
  }
}

// True if a and b are next to each other in the cyclic alphabet 0-9, A-Z ("8"/"9", "Z"/"0").
bool AlphabetNeighbours(char a, char b) {
  auto value = [](char c) { return static_cast<int>(kAlnum.find(c)); };
  int distance = (value(a) - value(b) + 36) % 36;
  return distance == 1 || distance == 35;
}

TEST(LabelsTest, AdjacentTranspositionsAreCaughtExceptSomeOfAlphabetNeighbours) {
  // MOD 37,36 is a hybrid system: it misses a transposition of two alphanumerics only when
  // they are alphabet neighbours and the running check state is one particular value
  // (36 cases in 45,360; docs/LABELS.md). Everything else must be caught.
  int tried = 0;
  int missed = 0;
  for (const auto& [kind, code] : SampleLabels(/*copies_per_length=*/50)) {
    const std::string label = FormatLabel(kind, code);
    for (size_t i = 0; i + 1 < label.size(); ++i) {
      char a = label[i];
      char b = label[i + 1];
      // Swapping with a dot breaks the structure, so it must be caught too. Moving a hyphen
      // is not the check's business (see docs/LABELS.md).
      if (a == b || a == '-' || b == '-') {
        continue;
      }
      std::string scan = label;
      std::swap(scan[i], scan[i + 1]);
      ++tried;
      if (ParseLabel(scan).ok()) {
        ++missed;
        EXPECT_TRUE(AlphabetNeighbours(a, b)) << label << " swapped to " << scan << " was accepted";
      }
    }
  }
  EXPECT_GT(tried, 20000);
  EXPECT_LT(missed * 100, tried) << missed << " of " << tried << " transpositions missed";
}

TEST(LabelsTest, TheDocumentedUndetectableTranspositionIsAccepted) {
  // docs/LABELS.md's example of the limitation: totes T00056 and T00065 share a check
  // character, so typing one for the other is not caught by the label itself.
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "T00056"), "C.T00056.P");
  EXPECT_EQ(FormatLabel(LabelKind::kContainer, "T00065"), "C.T00065.P");
}

TEST(LabelsTest, ValidateLabelCodeAcceptsTheDocumentedForms) {
  for (std::string_view code : {"A-04-012-3-2", "DOCK-03", "T00001", "0", "Z", "A-B-C"}) {
    EXPECT_TRUE(ValidateLabelCode(code).ok()) << code;
  }
  EXPECT_TRUE(ValidateLabelCode(std::string(32, '9')).ok());
}

TEST(LabelsTest, ValidateLabelCodeRefusesBadCodesNamingThePosition) {
  struct Case {
    std::string code;
    std::string message_part;
  };
  const Case cases[] = {
      {"", "empty"},
      {std::string(33, 'A'), "33 characters; at most 32"},
      {"-A", "position 1: a code may not begin or end with '-'"},
      {"A-", "position 2: a code may not begin or end with '-'"},
      {"A--1", "position 3: two hyphens in a row"},
      {"a-01", "position 1: lower-case 'a'"},
      {"A_01", "position 2: character '_' is not allowed"},
      {"A.01", "position 2: character '.' is not allowed"},
      {"A 01", "position 2: character ' ' is not allowed"},
      {"\xC3\x89T", "position 1"},
  };
  for (const Case& c : cases) {
    Status status = ValidateLabelCode(c.code);
    ASSERT_FALSE(status.ok()) << c.code;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.reason(), "bad_label_code");
    EXPECT_NE(status.message().find(c.message_part), std::string::npos) << status.message();
  }
}

TEST(LabelsTest, LooksLikeLabelNeedsAKindLetterAndADot) {
  for (std::string_view scan : {"L.", "l.x", "C.T00042.2", "c.", "B.W", "b.1.2"}) {
    EXPECT_TRUE(LooksLikeLabel(scan)) << scan;
  }
  for (std::string_view scan : {"", "L", "LA.1.2", "X.A1.B", ".L.A1.B", "L-A1", "(01)0950600"}) {
    EXPECT_FALSE(LooksLikeLabel(scan)) << scan;
  }
}

TEST(LabelsTest, ParseRejectsWhatIsNotALabel) {
  for (std::string_view scan : {"", "L", "X.A1.B", "LA1", "0109506000000015", ".L.A.1"}) {
    StatusOr<InternalLabel> parsed = ParseLabel(scan);
    ASSERT_FALSE(parsed.ok()) << scan;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().reason(), "not_a_label") << scan;
  }
}

TEST(LabelsTest, ParseRejectsBadCodes) {
  for (std::string_view scan :
       {"L..Z", "L.A_1.X", "L.-A1.X", "L.A--1.X", "L.A.B.C", "C.T 1.2", "C.T\t1.2"}) {
    StatusOr<InternalLabel> parsed = ParseLabel(scan);
    ASSERT_FALSE(parsed.ok()) << scan;
    EXPECT_EQ(parsed.status().reason(), "bad_label_code") << scan;
    EXPECT_NE(parsed.status().message().find(std::string(scan)), std::string::npos)
        << parsed.status().message();
  }
  StatusOr<InternalLabel> too_long = ParseLabel("L." + std::string(33, 'A') + ".0");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().reason(), "bad_label_code");
}

TEST(LabelsTest, ParseRejectsMissingOrMalformedCheckCharacter) {
  for (std::string_view scan : {"L.A1", "L.A1.", "L.A-04-012-3-2.ZZ", "L.A-04-012-3-2.-",
                                "L.A-04-012-3-2.Z\r", "L.A-04-012-3-2.Z "}) {
    StatusOr<InternalLabel> parsed = ParseLabel(scan);
    ASSERT_FALSE(parsed.ok()) << scan;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().reason(), "bad_label_check") << scan;
  }
}

TEST(LabelsTest, WrongCheckMessageNamesExpectedFoundAndPosition) {
  StatusOr<InternalLabel> parsed = ParseLabel("L.A-04-012-3-2.Q");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().reason(), "bad_label_check");
  const std::string message = parsed.status().message();
  EXPECT_NE(message.find("position 16"), std::string::npos) << message;
  EXPECT_NE(message.find("is 'Q'"), std::string::npos) << message;
  EXPECT_NE(message.find("expected 'Z'"), std::string::npos) << message;
}

TEST(LabelsTest, MovingAHyphenChangesTheCodeButNotTheCheck) {
  // Documented limitation: hyphens are outside the checked value, so a moved hyphen yields
  // another well-formed code; the location or container lookup then refuses it.
  StatusOr<InternalLabel> parsed = ParseLabel("L.A-040-12-3-2.Z");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->code, "A-040-12-3-2");
}

TEST(LabelsTest, LongGarbageIsShortenedInMessages) {
  StatusOr<InternalLabel> parsed = ParseLabel(std::string(10000, 'x'));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().reason(), "not_a_label");
  EXPECT_LT(parsed.status().message().size(), 200u);
}

TEST(LabelsDeathTest, FormatLabelRequiresAValidCode) {
  EXPECT_DEATH((void)FormatLabel(LabelKind::kLocation, "a b"), "check failed");
}

}  // namespace
}  // namespace entrepot::domain
