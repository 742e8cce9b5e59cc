#include "core/users/users.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "core/util/text.hpp"

extern char** environ;

namespace sluice {
namespace {

// A key the files and getent can look up: not empty, no field separator, newline or NUL.
bool valid_key(std::string_view key) {
  return !key.empty() && key.size() < 4096 && key.find_first_of(std::string_view(":\n\0", 3)) == std::string_view::npos;
}

std::string getent_program(const UserDb& db) {
  if (db.getent == "-") return {};
  if (!db.getent.empty()) return db.getent;
  for (const char* p : {"/usr/bin/getent", "/bin/getent"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

// `getent DATABASE -- KEY`: the entry it prints, nullopt when it finds none or cannot run.
std::optional<DbEntry> ask_getent(const UserDb& db, const char* database, const std::string& key) {
  const std::string program = getent_program(db);
  if (program.empty()) return std::nullopt;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {"getent", database, "--", key};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string text;
  if (spawned == 0) {
    char buf[4096];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
      if (n > 0)
        text.append(buf, static_cast<std::size_t>(n));
      else if (errno != EINTR)
        break;
    }
  }
  ::close(out[0]);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return parse_db_line(std::string_view(text).substr(0, text.find('\n')));
}

// The entry of `file`, else of getent, whose name (or id) is `key`.
std::optional<DbEntry> lookup(const UserDb& db, const std::string& file, const char* database, std::string_view key,
                              std::optional<std::uint32_t> id) {
  if (!valid_key(key)) return std::nullopt;
  const auto wanted = [&](const DbEntry& e) { return id ? e.id == *id : e.name == key; };
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (auto e = parse_db_line(line); e && wanted(*e)) return e;
  // getent takes an all-digit key for an id: a name lookup checks that the name matches.
  if (auto e = ask_getent(db, database, std::string(key)); e && wanted(*e)) return e;
  return std::nullopt;
}

// glibc's answer for a user (by name or uid) or group (by name or gid); the buffer grows on ERANGE.
std::optional<DbEntry> nss_user(std::string_view name, std::optional<std::uint32_t> uid) {
  std::vector<char> buf(4096);
  passwd pw{}, *res = nullptr;
  const std::string key(name);
  for (;;) {
    const int rc = uid ? getpwuid_r(*uid, &pw, buf.data(), buf.size(), &res)
                       : getpwnam_r(key.c_str(), &pw, buf.data(), buf.size(), &res);
    if (rc != ERANGE || buf.size() > (1u << 20)) break;
    buf.resize(buf.size() * 2);
  }
  if (!res) return std::nullopt;
  return DbEntry{pw.pw_name, pw.pw_uid};
}

std::optional<DbEntry> nss_group(std::string_view name, std::optional<std::uint32_t> gid) {
  std::vector<char> buf(4096);
  group gr{}, *res = nullptr;
  const std::string key(name);
  for (;;) {
    const int rc = gid ? getgrgid_r(*gid, &gr, buf.data(), buf.size(), &res)
                       : getgrnam_r(key.c_str(), &gr, buf.data(), buf.size(), &res);
    if (rc != ERANGE || buf.size() > (1u << 20)) break;
    buf.resize(buf.size() * 2);
  }
  if (!res) return std::nullopt;
  return DbEntry{gr.gr_name, gr.gr_gid};
}

// A user (`group` false) or group entry by name or id, from the source `db` names.
std::optional<DbEntry> find(const UserDb& db, bool group, std::string_view key, std::optional<std::uint32_t> id) {
  if (!id && !valid_key(key)) return std::nullopt;
  if (db.source == UserDb::Source::Nss) return group ? nss_group(key, id) : nss_user(key, id);
  return group ? lookup(db, db.group, "group", key, id) : lookup(db, db.passwd, "passwd", key, id);
}

}  // namespace

std::optional<DbEntry> parse_db_line(std::string_view line) {
  if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') return std::nullopt;
  const auto fields = split(line, ':', true);
  if (fields.size() < 3 || fields[0].empty()) return std::nullopt;
  const auto id = parse_uint(fields[2]);
  if (!id || *id > UINT32_MAX) return std::nullopt;
  return DbEntry{fields[0], static_cast<std::uint32_t>(*id)};
}

std::optional<std::uint32_t> uid_of(std::string_view name, const UserDb& db) {
  if (auto e = find(db, false, name, std::nullopt)) return e->id;
  return std::nullopt;
}

std::optional<std::string> user_name_of(std::uint32_t uid, const UserDb& db) {
  if (auto e = find(db, false, std::to_string(uid), uid)) return e->name;
  return std::nullopt;
}

std::optional<std::uint32_t> gid_of(std::string_view name, const UserDb& db) {
  if (auto e = find(db, true, name, std::nullopt)) return e->id;
  return std::nullopt;
}

std::optional<std::string> group_name_of(std::uint32_t gid, const UserDb& db) {
  if (auto e = find(db, true, std::to_string(gid), gid)) return e->name;
  return std::nullopt;
}

std::string user_label(std::uint32_t uid, const UserDb& db) {
  return user_name_of(uid, db).value_or(std::to_string(uid));
}

std::string group_label(std::uint32_t gid, const UserDb& db) {
  return group_name_of(gid, db).value_or(std::to_string(gid));
}

std::optional<std::uint32_t> uid_from_string(std::string_view s, const UserDb& db) {
  if (auto uid = uid_of(s, db)) return uid;
  const auto n = parse_uint(s);
  if (n && *n <= UINT32_MAX && user_name_of(static_cast<std::uint32_t>(*n), db)) return static_cast<std::uint32_t>(*n);
  return std::nullopt;
}

std::optional<std::uint32_t> uid_or_number(std::string_view s, const UserDb& db) {
  if (auto uid = uid_of(s, db)) return uid;
  // strtoul's syntax, as the controller always took it.
  const std::string text(s);
  char* end = nullptr;
  const unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (!text.empty() && end && *end == 0) return static_cast<std::uint32_t>(v);
  return std::nullopt;
}

std::vector<std::uint32_t> group_list(const std::string& user, std::uint32_t gid) {
  std::vector<gid_t> gids(64);
  int count = static_cast<int>(gids.size());
  while (getgrouplist(user.c_str(), gid, gids.data(), &count) < 0) {
    if (gids.size() >= 65536) return {gid};
    gids.resize(std::max<std::size_t>(static_cast<std::size_t>(count), gids.size() * 2));
    count = static_cast<int>(gids.size());
  }
  return {gids.begin(), gids.begin() + count};
}

}  // namespace sluice
