// Node features and Slurm's -C/--constraint expressions over them, for every select policy.
//
// A node's features are what the config gives it ([[nodes]] features = ["gpu", "a40"], or the
// comma-separated string "gpu,a40"); Node::features holds them comma separated. A constraint is
// Slurm's -C/--constraint expression:
//
//   a40            nodes with feature a40
//   a40|a10        either (OR)
//   gpu&a40        both (AND)
//   (a40|a10)&ib   parentheses group; without them & binds tighter than | ("a|b&c" is a|(b&c))
//
// Not supported (refused by parse_constraint with a message saying so): Slurm's matching OR
// ("[a|b]": one alternative for all nodes), node counts ("a*2") and NOT ("!a"). A feature name is
// any run of characters other than blanks and & | ( ) [ ] * ! , (what features_problem accepts).
#pragma once

#include <algorithm>
#include <cstdint>
#include <sluice/model.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Whether `name` may be a feature: non-empty, without blanks and without & | ( ) [ ] * ! ,.
inline bool valid_feature_name(std::string_view name) {
  return !name.empty() && name.find_first_of(" \t\r\n&|()[]*!,") == std::string_view::npos;
}

// The features of a comma-separated list ("gpu,a40"), in order, blanks around names trimmed,
// empty entries skipped.
inline std::vector<std::string_view> split_features(std::string_view csv) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= csv.size()) {
    const std::size_t end = std::min(csv.find(',', pos), csv.size());
    std::string_view f = csv.substr(pos, end - pos);
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
    if (!f.empty()) out.push_back(f);
    pos = end + 1;
  }
  return out;
}

// Whether node `n` has feature `name` (Node::features, comma separated; exact, case-sensitive,
// as Slurm compares them).
inline bool has_feature(const Node& n, std::string_view name) {
  for (std::string_view f : split_features(n.features))
    if (f == name) return true;
  return false;
}

// A parsed -C expression: the feature names and operators in postfix order. Empty: no constraint,
// which every node satisfies.
struct Constraint {
  enum class Op : std::uint8_t { Feature, And, Or };
  struct Token {
    Op op = Op::Feature;
    std::string feature;  // Op::Feature only
  };
  std::vector<Token> postfix;

  bool empty() const { return postfix.empty(); }

  // The feature names it mentions, each once, in order of appearance.
  std::vector<std::string> features() const {
    std::vector<std::string> out;
    for (const Token& t : postfix)
      if (t.op == Op::Feature && std::find(out.begin(), out.end(), t.feature) == out.end()) out.push_back(t.feature);
    return out;
  }

  // Whether node `n` satisfies it (an empty constraint: always).
  bool matches(const Node& n) const {
    if (postfix.empty()) return true;
    const std::vector<std::string_view> have = split_features(n.features);
    std::vector<bool> stack;
    for (const Token& t : postfix) {
      if (t.op == Op::Feature) {
        stack.push_back(std::find(have.begin(), have.end(), t.feature) != have.end());
        continue;
      }
      if (stack.size() < 2) return false;  // not from parse_constraint
      const bool b = stack.back();
      stack.pop_back();
      stack.back() = t.op == Op::And ? stack.back() && b : stack.back() || b;
    }
    return stack.size() == 1 && stack.back();
  }
};

namespace detail {

// Recursive descent over `in` from `pos`: or := and ('|' and)*; and := atom ('&' atom)*;
// atom := name | '(' or ')'. Appends to out.postfix; returns the problem, empty when none.
class ConstraintParser {
 public:
  explicit ConstraintParser(std::string_view in) : in_(in) {}
  std::string parse(Constraint& out) {
    out.postfix.clear();
    std::string why = parse_or(out);
    skip_blanks();
    if (why.empty() && pos_ < in_.size()) why = unexpected();
    return why;
  }

 private:
  std::string parse_or(Constraint& out) { return parse_list(out, '|', Constraint::Op::Or); }
  std::string parse_and(Constraint& out) { return parse_list(out, '&', Constraint::Op::And); }
  std::string parse_list(Constraint& out, char sep, Constraint::Op op) {
    std::string why = sep == '|' ? parse_and(out) : parse_atom(out);
    while (why.empty() && (skip_blanks(), pos_ < in_.size() && in_[pos_] == sep)) {
      ++pos_;
      why = sep == '|' ? parse_and(out) : parse_atom(out);
      out.postfix.push_back({op, {}});
    }
    return why;
  }
  std::string parse_atom(Constraint& out) {
    skip_blanks();
    if (pos_ >= in_.size()) return "a feature name is missing at the end";
    if (in_[pos_] == '(') {
      ++pos_;
      if (std::string why = parse_or(out); !why.empty()) return why;
      skip_blanks();
      if (pos_ >= in_.size() || in_[pos_] != ')') return "missing ')'";
      ++pos_;
      return {};
    }
    const std::size_t start = pos_;
    while (pos_ < in_.size() && valid_feature_name(in_.substr(pos_, 1))) ++pos_;
    if (pos_ == start) return unexpected();
    out.postfix.push_back({Constraint::Op::Feature, std::string(in_.substr(start, pos_ - start))});
    return {};
  }
  std::string unexpected() const {
    const char c = in_[pos_];
    if (c == '[' || c == ']') return "matching OR ([a|b]) is not supported";
    if (c == '*') return "node counts (a*N) are not supported";
    if (c == '!') return "NOT (!) is not supported";
    return "unexpected '" + std::string(1, c) + "' at position " + std::to_string(pos_ + 1);
  }
  void skip_blanks() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace detail

// Parses -C/--constraint text `expr` into `out`. Returns the problem ("missing ')'", "matching OR
// ([a|b]) is not supported", ...), empty when `expr` is valid. An empty or blank `expr` is no
// constraint. Slurm refuses a bad expression at submission with "Invalid feature specification".
inline std::string parse_constraint(std::string_view expr, Constraint& out) {
  out.postfix.clear();
  if (expr.find_first_not_of(" \t") == std::string_view::npos) return {};
  std::string why = detail::ConstraintParser(expr).parse(out);
  if (!why.empty()) out.postfix.clear();
  return why;
}

// Whether `n` satisfies constraint text `expr`; an invalid expression matches no node.
inline bool satisfies(const Node& n, std::string_view expr) {
  Constraint c;
  return parse_constraint(expr, c).empty() && c.matches(n);
}

}  // namespace sluice
