#include "entrepot/wire/scan_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/wire/rfc3339.h"

namespace entrepot::wire {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kExample =
    R"({"id":"dev-07-000123","device":"HH-07","mode":"stow",)"
    R"("code":"]d2010950600013435210AB12","at":"2026-11-28T08:15:02.120Z"})";

// A record with the four required fields valid and `extra` (",..." or "") appended.
std::string RecordWith(std::string_view extra) {
  return R"({"id":"a1","device":"HH-01","mode":"pick","code":"0123")" + std::string(extra) + "}";
}

// A record whose field `name` has the raw JSON value `json_value`, others valid.
std::string RecordWithField(std::string_view name, std::string_view json_value) {
  std::string record = "{";
  for (std::string_view field : {"id", "device", "mode", "code"}) {
    const std::string value = field == name ? std::string(json_value) : R"("x")";
    record += "\"" + std::string(field) + "\":" + value + ",";
  }
  if (name == "at") {
    record += "\"at\":" + std::string(json_value) + ",";
  }
  record.back() = '}';
  return record;
}

ScanRecord ParseOrDie(std::string_view json) {
  StatusOr<ScanRecord> record = ParseScanRecord(json);
  EXPECT_TRUE(record.ok()) << json << "\n" << record.status().ToString();
  return record.ok() ? *record : ScanRecord{};
}

// Expects an error with `reason` and `detail` in the message; returns the message.
std::string ExpectError(std::string_view json, std::string_view reason, std::string_view detail) {
  StatusOr<ScanRecord> record = ParseScanRecord(json);
  EXPECT_FALSE(record.ok()) << json;
  if (record.ok()) {
    return "";
  }
  EXPECT_EQ(record.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(record.status().reason(), reason) << json << "\n" << record.status().ToString();
  EXPECT_THAT(record.status().message(), HasSubstr(std::string(detail))) << json;
  return record.status().message();
}

TEST(ParseScanRecordTest, ParsesTheDocumentedExample) {
  const ScanRecord record = ParseOrDie(kExample);
  EXPECT_EQ(record.id, "dev-07-000123");
  EXPECT_EQ(record.device, "HH-07");
  EXPECT_EQ(record.mode, "stow");
  EXPECT_EQ(record.code, "]d2010950600013435210AB12");
  EXPECT_EQ(record.at_ms, 1'795'853'702'120);
}

TEST(ParseScanRecordTest, AtIsOptionalAndNullMeansAbsent) {
  EXPECT_EQ(ParseOrDie(RecordWith("")).at_ms, std::nullopt);
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":null)")).at_ms, std::nullopt);
}

TEST(ParseScanRecordTest, AtAcceptsEpochMillisecondsAndOffsets) {
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":1795853702120)")).at_ms, 1'795'853'702'120);
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":0)")).at_ms, 0);
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":-1)")).at_ms, -1);
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":"2026-11-28T09:15:02.120+01:00")")).at_ms,
            1'795'853'702'120);
}

TEST(ParseScanRecordTest, FieldOrderAndWhitespaceDoNotMatter) {
  const ScanRecord record = ParseOrDie(
      " \r\n\t{ \"at\" : 5 , \"code\":\"c\",\"mode\":\"m\",\"device\":\"d\",\"id\":\"i\" }\r\n");
  EXPECT_EQ(record, (ScanRecord{"i", "d", "m", "c", 5}));
}

TEST(ParseScanRecordTest, CodeKeepsGroupSeparatorsAndUnicode) {
  const ScanRecord record = ParseOrDie(
      RecordWithField("code", R"("]d2010950600013435210AB12\u001d17261231\u00e9\u20ac")"));
  EXPECT_EQ(record.code,
            "]d2010950600013435210AB12\x1d"
            "17261231\xc3\xa9\xe2\x82\xac");
}

TEST(ParseScanRecordTest, EscapedKeysAreUnescaped) {
  const ScanRecord record = ParseOrDie(R"({"\u0069d":"a","device":"d","mode":"m","code":"c"})");
  EXPECT_EQ(record.id, "a");
}

TEST(ParseScanRecordTest, IdAndDeviceLimits) {
  for (std::string_view field : {"id", "device"}) {
    SCOPED_TRACE(field);
    const std::string all_chars = "AZaz09._:-";
    EXPECT_TRUE(ParseScanRecord(RecordWithField(field, "\"" + all_chars + "\"")).ok());
    EXPECT_TRUE(ParseScanRecord(RecordWithField(field, "\"" + std::string(64, 'a') + "\"")).ok());
    ExpectError(RecordWithField(field, "\"" + std::string(70, 'a') + "\""), "bad_field",
                "field \"" + std::string(field) + "\": 70 characters, at most 64");
    ExpectError(RecordWithField(field, R"("")"), "bad_field", "empty, needs 1 to 64 characters");
    ExpectError(RecordWithField(field, R"("dev#07")"), "bad_field",
                "character '#' at offset 3 is not allowed (allowed: A-Z a-z 0-9 . _ : -)");
    ExpectError(RecordWithField(field, R"("a b")"), "bad_field", "character ' ' at offset 1");
    ExpectError(RecordWithField(field, R"("a\u001db")"), "bad_field", "character 0x1D at offset 1");
    ExpectError(RecordWithField(field, R"("\u00e9")"), "bad_field", "character 0xC3 at offset 0");
  }
}

TEST(ParseScanRecordTest, ModeLimits) {
  EXPECT_EQ(ParseOrDie(RecordWithField("mode", R"("count_cycle")")).mode, "count_cycle");
  EXPECT_TRUE(ParseScanRecord(RecordWithField("mode", "\"" + std::string(16, 'a') + "\"")).ok());
  ExpectError(RecordWithField("mode", "\"" + std::string(17, 'a') + "\""), "bad_field",
              "field \"mode\": 17 characters, at most 16");
  ExpectError(RecordWithField("mode", R"("Stow")"), "bad_field",
              "character 'S' at offset 0 is not allowed (allowed: a-z _)");
  ExpectError(RecordWithField("mode", R"("stow-2")"), "bad_field", "character '-' at offset 4");
  ExpectError(RecordWithField("mode", R"("")"), "bad_field", "empty, needs 1 to 16 characters");
}

TEST(ParseScanRecordTest, CodeLimitsAreInBytes) {
  EXPECT_EQ(ParseOrDie(RecordWithField("code", "\"" + std::string(4096, '7') + "\"")).code.size(),
            4096u);
  ExpectError(RecordWithField("code", "\"" + std::string(4097, '7') + "\""), "bad_field",
              "field \"code\": 4097 bytes, at most 4096");
  // 2048 two-byte characters are 4096 bytes: fine; one more is not.
  std::string accents;
  for (int i = 0; i < 2048; ++i)
    accents += "\xc3\xa9";
  EXPECT_TRUE(ParseScanRecord(RecordWithField("code", "\"" + accents + "\"")).ok());
  ExpectError(RecordWithField("code", "\"" + accents + "\xc3\xa9\""), "bad_field",
              "4098 bytes, at most 4096");
  ExpectError(RecordWithField("code", R"("")"), "bad_field", "field \"code\": empty");
}

TEST(ParseScanRecordTest, WrongTypesAreBadFields) {
  ExpectError(RecordWithField("id", "12"), "bad_field",
              "field \"id\": expected a string, got a number");
  ExpectError(RecordWithField("device", "null"), "bad_field", "expected a string, got null");
  ExpectError(RecordWithField("mode", R"(["stow"])"), "bad_field", "got an array");
  ExpectError(RecordWithField("code", R"({"raw":"x"})"), "bad_field", "got an object");
  ExpectError(RecordWithField("code", "true"), "bad_field", "got a boolean");
  ExpectError(RecordWithField("at", "true"), "bad_field",
              "field \"at\": expected an RFC 3339 string or integer epoch milliseconds, got a "
              "boolean");
}

TEST(ParseScanRecordTest, MissingFieldsNameTheFirstOneMissing) {
  ExpectError(R"({"device":"d","mode":"m","code":"c"})", "missing_field",
              "field \"id\" is required");
  ExpectError(R"({"id":"i","mode":"m","code":"c"})", "missing_field",
              "field \"device\" is required");
  ExpectError(R"({"id":"i","device":"d","code":"c"})", "missing_field",
              "field \"mode\" is required");
  ExpectError(R"({"id":"i","device":"d","mode":"m"})", "missing_field",
              "field \"code\" is required");
  ExpectError("{}", "missing_field", "field \"id\" is required");
  // Keys are case-sensitive: "ID" is an unknown field.
  ExpectError(R"({"ID":"i","device":"d","mode":"m","code":"c"})", "missing_field", "\"id\"");
}

TEST(ParseScanRecordTest, DuplicateKnownKeysAreBadFields) {
  ExpectError(RecordWith(R"(,"code":"0123")"), "bad_field",
              "field \"code\": appears more than once");
  ExpectError(RecordWith(R"(,"at":1,"at":1)"), "bad_field", "field \"at\": appears more than once");
  // Even when spelled with an escape.
  ExpectError(RecordWith(R"(,"\u0069d":"a1")"), "bad_field",
              "field \"id\": appears more than once");
  // Unknown keys may repeat: they are dropped anyway.
  EXPECT_TRUE(ParseScanRecord(RecordWith(R"(,"note":1,"note":2)")).ok());
}

TEST(ParseScanRecordTest, BadTimestamps) {
  ExpectError(RecordWith(R"(,"at":"2026-02-30T08:00:00Z")"), "bad_timestamp",
              "field \"at\": \"2026-02-30T08:00:00Z\": day 30 is out of range 01..28");
  ExpectError(RecordWith(R"(,"at":"yesterday")"), "bad_timestamp", "year needs 4 digits");
  ExpectError(RecordWith(R"(,"at":1.5e12)"), "bad_timestamp", "must be an integer");
  ExpectError(RecordWith(R"(,"at":1795853702120.0)"), "bad_timestamp", "must be an integer");
  ExpectError(RecordWith(R"(,"at":18446744073709551615)"), "bad_timestamp", "must be an integer");
  ExpectError(RecordWith(R"(,"at":253402300800000)"), "bad_timestamp",
              "253402300800000 epoch milliseconds is outside years 0000..9999");
  ExpectError(RecordWith(R"(,"at":-62167219200001)"), "bad_timestamp", "outside years");
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":253402300799999)")).at_ms, kMaxRfc3339Ms);
  EXPECT_EQ(ParseOrDie(RecordWith(R"(,"at":-62167219200000)")).at_ms, kMinRfc3339Ms);
}

TEST(ParseScanRecordTest, BadJsonCarriesSimdjsonTextAndOffset) {
  ExpectError("", "bad_json", "invalid JSON: ");
  ExpectError("not json", "bad_json",
              "invalid JSON: Problem while parsing an atom starting with "
              "the letter 'n'");
  ExpectError("tru", "bad_json", "atom starting with the letter 't'");
  ExpectError("1.2.3", "bad_json", "Problem while parsing a number");
  ExpectError(R"({"id":"a1","device":"HH-01",})", "bad_json", "invalid JSON at byte 28: ");
  ExpectError(R"({"id":"a1)", "bad_json", "invalid JSON: ");  // Unclosed string.
  ExpectError(R"({"id" "a1"})", "bad_json", "invalid JSON at byte 6");
  ExpectError("[1,2]", "bad_json", "a scan record must be a JSON object, got an array");
  ExpectError(R"("a string")", "bad_json", "must be a JSON object, got a string");
  ExpectError("\"x\xff\"", "bad_json", "invalid JSON");  // Invalid UTF-8.
}

TEST(ParseScanRecordTest, ContentAfterTheObjectIsBadJson) {
  ExpectError(RecordWith("") + "}", "bad_json", "unexpected content after the object");
  ExpectError(RecordWith("") + " {}", "bad_json", "invalid JSON at byte");
  ExpectError(RecordWith("") + " x", "bad_json",
              "the object is not closed, or other content follows it");
  ExpectError(R"({"id":"a1")", "bad_json", "the object is not closed");
  ExpectError(RecordWith("") + RecordWith(""), "bad_json", "unexpected content after the object");
}

TEST(ParseScanRecordTest, MalformedJsonInsideIgnoredFieldsIsRefused) {
  // simdjson's on-demand API would skip these unchecked; the parser reads them in full.
  ExpectError(RecordWith(R"(,"x":[1,,2])"), "bad_json", "invalid JSON");
  ExpectError(RecordWith(R"(,"x":tru)"), "bad_json", "atom starting with the letter 't'");
  ExpectError(RecordWith(R"(,"x":fals)"), "bad_json", "atom starting with the letter 'f'");
  ExpectError(RecordWith(R"(,"x":nul)"), "bad_json", "atom starting with the letter 'n'");
  ExpectError(RecordWith(R"(,"x":{"a" 1})"), "bad_json", "invalid JSON");
  ExpectError(RecordWith(R"(,"x":"\q")"), "bad_json", "invalid JSON");
  ExpectError(RecordWith(R"(,"x":01)"), "bad_json", "invalid JSON");
  ExpectError(RecordWith(R"(,"x":{"\q":1})"), "bad_json", "invalid JSON");
  // Well-formed ignored values of every type are fine.
  EXPECT_TRUE(
      ParseScanRecord(RecordWith(R"(,"x":[1,-2.5e3,"s",true,false,null,{"k":[{}]},[]],"y":{})"))
          .ok());
}

TEST(ParseScanRecordTest, BadJsonWinsOverAnEarlierFieldError) {
  ExpectError(R"({"id":"#","device":"d","mode":"m","code":"c","x":[1,,2]})", "bad_json",
              "invalid JSON");
  ExpectError(R"({"id":5,"device":"d","mode":"m","code":"c"}})", "bad_json", "unexpected content");
  // A wrongly typed field is itself validated before it is reported.
  ExpectError(R"({"id":[1,,2],"device":"d","mode":"m","code":"c"})", "bad_json", "invalid JSON");
}

TEST(ParseScanRecordTest, FirstFieldErrorInDocumentOrderWins) {
  ExpectError(R"({"mode":"BAD","id":"#","device":"d","code":"c"})", "bad_field", "\"mode\"");
  ExpectError(R"({"at":"x","id":"#","device":"d","mode":"m","code":"c"})", "bad_timestamp",
              "\"at\"");
  // A field error outranks a missing field.
  ExpectError(R"({"id":"#"})", "bad_field", "\"id\"");
}

TEST(ParseScanRecordTest, IgnoredFieldsMayNestUpToTheLimit) {
  // `depth` arrays around a number.
  const auto nested = [](int depth) {
    const auto count = static_cast<size_t>(depth);
    return std::string(count, '[') + "1" + std::string(count, ']');
  };
  EXPECT_TRUE(ParseScanRecord(RecordWith(",\"x\":" + nested(kMaxIgnoredFieldDepth))).ok());
  EXPECT_TRUE(
      ParseScanRecord(RecordWith(",\"x\":{\"a\":" + nested(kMaxIgnoredFieldDepth - 1) + "}")).ok());
  ExpectError(RecordWith(",\"x\":" + nested(kMaxIgnoredFieldDepth + 1)), "bad_field",
              "field \"x\": nested deeper than 32 levels");
  ExpectError(RecordWith(",\"x\":{\"a\":" + nested(kMaxIgnoredFieldDepth) + "}"), "bad_field",
              "nested deeper than 32 levels");
  ExpectError(RecordWith(",\"x\":" + nested(3000)), "bad_field", "nested deeper than 32 levels");
}

TEST(ParseScanRecordTest, RecordTooLarge) {
  std::string record = RecordWith("");
  record += std::string(kMaxRecordBytes - record.size(), ' ');
  ASSERT_EQ(record.size(), kMaxRecordBytes);
  EXPECT_TRUE(ParseScanRecord(record).ok());
  record += ' ';
  ExpectError(record, "record_too_large", "scan record is 8193 bytes, at most 8192");
  // The size check comes before any parsing.
  ExpectError(std::string(20000, '{'), "record_too_large", "20000 bytes");
}

// RET-01: personal fields are dropped and leave no trace in the result.
TEST(ParseScanRecordTest, PersonalFieldsAreDroppedWithoutTrace) {
  constexpr std::string_view kSecret = "BADGE-4471-SECRET";
  for (std::string_view name : kPersonalFieldNames) {
    SCOPED_TRACE(name);
    const std::string json =
        RecordWith(",\"" + std::string(name) + "\":\"" + std::string(kSecret) + "\",\"note\":{\"" +
                   std::string(name) + "\":\"" + std::string(kSecret) + "\"}");
    const ScanRecord record = ParseOrDie(json);
    EXPECT_EQ(record, ParseOrDie(RecordWith("")));
    for (const std::string* field : {&record.id, &record.device, &record.mode, &record.code}) {
      EXPECT_THAT(*field, Not(HasSubstr("4471")));
    }
  }
}

TEST(ParseScanRecordTest, PersonalFieldValuesNeverAppearInErrors) {
  const std::string message =
      ExpectError(R"({"badge":"BADGE-4471-SECRET","worker":{"name":"Jeanne Martin"},"id":"#"})",
                  "bad_field", "\"id\"");
  EXPECT_THAT(message, Not(HasSubstr("4471")));
  EXPECT_THAT(message, Not(HasSubstr("Jeanne")));
  // Badge first, then broken JSON: the message holds an offset, not the value.
  const std::string json_message =
      ExpectError(R"({"badge":"BADGE-4471-SECRET",,})", "bad_json", "invalid JSON");
  EXPECT_THAT(json_message, Not(HasSubstr("4471")));
}

TEST(ScanRecordParserTest, ReusedParserGivesIndependentResults) {
  ScanRecordParser parser;
  StatusOr<ScanRecord> first = parser.Parse(kExample);
  ASSERT_TRUE(first.ok());
  // A failure in between leaves no state behind.
  EXPECT_EQ(parser.Parse(R"({"id":"a1",,})").status().reason(), "bad_json");
  EXPECT_EQ(parser.Parse(RecordWith("") + " x").status().reason(), "bad_json");
  StatusOr<ScanRecord> second = parser.Parse(RecordWith(R"(,"at":7)"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->id, "dev-07-000123");
  EXPECT_EQ(second->id, "a1");
  EXPECT_EQ(second->at_ms, 7);
  // A long record after short ones, then a short one again.
  StatusOr<ScanRecord> long_record =
      parser.Parse(RecordWithField("code", "\"" + std::string(4096, 'z') + "\""));
  ASSERT_TRUE(long_record.ok());
  EXPECT_EQ(long_record->code, std::string(4096, 'z'));
  EXPECT_EQ(parser.Parse(kExample).value(), first.value());
}

TEST(ScanRecordParserTest, MovedParserKeepsWorking) {
  ScanRecordParser parser;
  ASSERT_TRUE(parser.Parse(kExample).ok());
  ScanRecordParser moved = std::move(parser);
  EXPECT_EQ(moved.Parse(kExample).value().device, "HH-07");
}

TEST(ScanRecordParserTest, InputWithoutPaddingIsReadSafely) {
  // The record sits at the very end of an allocation: parsing must not read past it (run
  // under ASan to make this test meaningful).
  const std::string source(kExample);
  auto exact = std::make_unique<char[]>(source.size());
  std::copy(source.begin(), source.end(), exact.get());
  EXPECT_TRUE(ParseScanRecord(std::string_view(exact.get(), source.size())).ok());
}

TEST(ParseScanRecordTest, IsThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&failures, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string json = RecordWith(",\"at\":" + std::to_string(i));
        StatusOr<ScanRecord> record = ParseScanRecord(json);
        if (!record.ok() || record->at_ms != i)
          ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  for (int count : failures)
    EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace entrepot::wire
