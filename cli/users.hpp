// User and group names for the statically linked CLI.
//
// glibc answers getpwnam() and friends through the sources /etc/nsswitch.conf lists. "files" is
// built into libc, but every other source (systemd, sss, ldap, ...) is a shared library that a
// static program cannot load safely: libnss_systemd crashes on its first call, which any name
// missing from /etc/passwd reaches on Debian. So the CLI reads /etc/passwd and /etc/group itself
// and asks getent(1), a dynamically linked program with the full name service, about anything
// those files do not hold.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::cli {

// Where the lookups read; tests point them elsewhere.
struct UserDb {
  std::string passwd = "/etc/passwd";
  std::string group = "/etc/group";
  std::string getent;  // empty: the system's getent (/usr/bin/getent or /bin/getent); "-": none
};

// One database entry: name and id ("name:x:id:..." of passwd and group).
struct DbEntry {
  std::string name;
  std::uint32_t id = 0;
};

// The entry of a passwd or group line, nullopt for comments, NIS "+"/"-" lines and bad lines.
std::optional<DbEntry> parse_db_line(std::string_view line);

std::optional<std::uint32_t> uid_of(std::string_view name, const UserDb& db = {});
std::optional<std::string> user_name_of(std::uint32_t uid, const UserDb& db = {});
std::optional<std::uint32_t> gid_of(std::string_view name, const UserDb& db = {});
std::optional<std::string> group_name_of(std::uint32_t gid, const UserDb& db = {});

// Slurm's uid_from_string: a user name, else a number that is the uid of an existing user.
std::optional<std::uint32_t> uid_from_string(std::string_view s, const UserDb& db = {});

}  // namespace sluice::cli
