// The %-format engine shared by squeue and sinfo (-o "%.18i %9P", -O/--Format "jobid:.18,name"),
// and Slurm's column padding. Each command owns its letters, titles and values (squeue.cpp,
// sinfo.cpp); this file only reads format strings and lays fields out.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

// Widths past this are taken as this: Slurm pads to any width, so "%999999999i" would print a
// gigabyte per line.
inline constexpr int kMaxFieldWidth = 4096;

// Slurm's _print_str: pads `s` to `width` (right-justified when `right`) and, when `cut`, cuts it
// to `width`. Width 0 prints `s` as it is.
std::string pad(std::string_view s, int width, bool right, bool cut = true);

struct Field {
  char code = 0;       // the %-letter
  int width = 0;       // 0: the value's own width
  bool right = false;  // "%.9P": right-justified
  std::string suffix;  // literal text up to the next field
  std::string token;   // the field as written ("%.9P "), printed as is when the letter is unknown
};
struct Format {
  std::string prefix;  // literal text before the first field
  std::vector<Field> fields;
};
// "%.18i %.9P %8j": "%[.][width]<letter><suffix>..."; text before the first '%' is the prefix.
Format parse_format(std::string_view spec);

struct FieldName {
  const char* name;  // case-insensitive, as given to -O
  char code;
};
// "jobid:.18 ,name:8,state": "name[:[.]width][suffix]" items, comma separated; width 20 when no
// ':' is given. Unknown names are appended to *unknown and left out.
Format parse_long_format(std::string_view spec, std::span<const FieldName> names, std::vector<std::string>* unknown);

// The title of %-letter `code` in `titles`, nullptr when the command has no such letter.
const char* title_of(std::span<const FieldName> titles, char code);

// One line of a report: the prefix, then for each field `cell(field, title)` (its text, already
// padded: the command decides width and cutting) and the field's suffix; a field whose letter has
// no title in `titles` is printed as written ("%z" stays "%z", as Slurm). Ends with a newline.
template <class Cell>
std::string format_line(const Format& f, std::span<const FieldName> titles, Cell cell) {
  std::string out = f.prefix;
  for (const Field& fd : f.fields) {
    const char* title = title_of(titles, fd.code);
    out += title ? cell(fd, title) + fd.suffix : fd.token;
  }
  return out + "\n";
}

}  // namespace sluice::cli
