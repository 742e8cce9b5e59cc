// User and group lookups, in one place for every program: the statically linked CLI, the daemons
// (controller: names of a job's submitter; node agent: the groups of the user a job runs as).
//
// Two sources, chosen by the caller through UserDb::source:
//   Files (the default, safe in any program): /etc/passwd and /etc/group, then getent(1) for what
//     those files do not hold. glibc answers getpwnam() and friends through the sources
//     /etc/nsswitch.conf lists; "files" is built into libc, but every other source (systemd, sss,
//     ldap, ...) is a shared library that a static program cannot load safely: libnss_systemd
//     crashes on its first call, which any name missing from /etc/passwd reaches on Debian. getent
//     is dynamically linked and has the full name service.
//   Nss (dynamically linked programs only): glibc's getpwnam_r / getgrgid_r / getgrouplist, every
//     nsswitch source, no child process. The daemons use it (kNss).
//
// Keys that cannot name an entry (empty, over 4 KiB, or holding ':', a newline or NUL) find
// nothing. No function throws; "not found" is nullopt.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct UserDb {
  enum class Source : std::uint8_t { Files, Nss };
  Source source = Source::Files;
  // Files only; tests point them elsewhere.
  std::string passwd = "/etc/passwd";
  std::string group = "/etc/group";
  std::string getent;  // empty: the system's getent (/usr/bin/getent or /bin/getent); "-": none
};

// glibc's name service: for the dynamically linked daemons.
inline const UserDb kNss = [] {
  UserDb db;
  db.source = UserDb::Source::Nss;
  return db;
}();

// One database entry: name and id ("name:x:id:..." of passwd and group).
struct DbEntry {
  std::string name;
  std::uint32_t id = 0;
};

// The entry of a passwd or group line, nullopt for comments, NIS "+"/"-" lines and bad lines.
std::optional<DbEntry> parse_db_line(std::string_view line);

// name -> id and id -> name, of users (passwd) and groups (group).
std::optional<std::uint32_t> uid_of(std::string_view name, const UserDb& db = {});
std::optional<std::string> user_name_of(std::uint32_t uid, const UserDb& db = {});
std::optional<std::uint32_t> gid_of(std::string_view name, const UserDb& db = {});
std::optional<std::string> group_name_of(std::uint32_t gid, const UserDb& db = {});

// The name, else the number as text ("1234"): how a job's owner is recorded and shown.
std::string user_label(std::uint32_t uid, const UserDb& db = {});
std::string group_label(std::uint32_t gid, const UserDb& db = {});

// Slurm's uid_from_string (squeue -u): a user name, else a number that is the uid of an existing
// user.
std::optional<std::uint32_t> uid_from_string(std::string_view s, const UserDb& db = {});
// A user name, else any decimal number taken as a uid (the controller's filters: a job may belong
// to a uid that no longer has a name).
std::optional<std::uint32_t> uid_or_number(std::string_view s, const UserDb& db = {});

// The groups of `user`: `gid` (its primary group) and every supplementary group the name service
// lists for it (getgrouplist(3)); {gid} when the user is unknown. Always asks glibc's name
// service, whatever `db` says: call it only from dynamically linked programs.
std::vector<std::uint32_t> group_list(const std::string& user, std::uint32_t gid);

}  // namespace sluice
