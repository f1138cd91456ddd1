// File: policy_explain.h
//
// ExplainPolicy(): a policy (policy.h) in plain language, for the people it concerns: what
// is collected about their work, for what, who sees it, and for how long, then their
// rights and the governance records. It is the basis of the notice workers acknowledge on
// the device before their first scan session (TRN-01, TRN-02), and of
// `entrepot policy explain`. English or French.
//
// The text covers every enabled indicator, each with its purposes, its readers (from the
// access grants on its data class) and its retention; it names the indicators that are
// not collected. It describes the policy as written: check it first (CheckPolicy), since an
// unlawful policy is explained as faithfully as a lawful one. Pure: no I/O, no clock.
#pragma once

#include <string>

#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {

// Plain text, lines of at most about 100 characters, ending with a newline.
std::string ExplainPolicy(const Policy& policy, Language language = Language::kEnglish);

}  // namespace entrepot::privacy
