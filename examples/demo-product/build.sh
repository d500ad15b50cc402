#!/usr/bin/env bash
# Build the site-info-publisher packages of the demo product:
#   dist/site-info-publisher-1.4.0-1.el7.noarch.rpm   (rpmbuild)
#   dist/site-info-publisher_1.4.0-1~xenial_all.deb   (dpkg-deb)
#
# Needs bash, GNU tar/gzip/date, rpmbuild and dpkg-deb. Works from any
# directory. Builds are reproducible: every timestamp (file mtimes, rpm
# build time, ar/tar headers) comes from the date of the top entry of
# debian/changelog, exported as SOURCE_DATE_EPOCH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly here

name=site-info-publisher
version=1.4.0
rpm_release=1
rpm_dist=.el7
deb_version="${version}-1~xenial"
readonly name version rpm_release rpm_dist deb_version

dist_dir="${here}/dist"

die() {
  printf 'build.sh: %s\n' "$*" >&2
  exit 1
}

for tool in rpmbuild dpkg-deb tar gzip date; do
  command -v "${tool}" >/dev/null 2>&1 || die "${tool} not found on PATH"
done

# SOURCE_DATE_EPOCH from the trailer line of the top debian/changelog entry,
# e.g. " -- Jane Doe <jane.doe@example.org>  Mon, 16 Nov 2026 10:00:00 +0100".
changelog_date="$(sed -n 's/^ -- .*>  \(.*\)$/\1/p' "${here}/debian/changelog" | head -n 1)"
[[ -n "${changelog_date}" ]] || die "no date found in debian/changelog"
SOURCE_DATE_EPOCH="$(date -d "${changelog_date}" +%s)"
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C
umask 022

tmp="$(mktemp -d)"
trap 'rm -rf -- "${tmp}"' EXIT

mkdir -p "${dist_dir}"

# ---------------------------------------------------------------- source ---
# A reproducible source tarball: sorted, fixed mtime and owner, gzip -n.
src="${tmp}/src/${name}-${version}"
mkdir -p "${src}/site_info_publisher" "${src}/etc"
cp "${here}/LICENSE" "${here}/README.md" "${here}/CHANGELOG.md" "${src}/"
cp "${here}/site_info_publisher/__init__.py" \
  "${here}/site_info_publisher/publish.py" "${src}/site_info_publisher/"
cp "${here}/etc/${name}.conf" "${src}/etc/"
chmod 0755 "${src}/site_info_publisher/publish.py"

mkdir -p "${tmp}/SOURCES"
tar --sort=name --mtime="@${SOURCE_DATE_EPOCH}" \
  --owner=0 --group=0 --numeric-owner --format=gnu \
  -C "${tmp}/src" -cf - "${name}-${version}" |
  gzip -9 -n >"${tmp}/SOURCES/${name}-${version}.tar.gz"

# ------------------------------------------------------------------- rpm ---
# Payload compressed with gzip so that el7's rpm (4.11) can read it.
rpmbuild -bb --quiet \
  --define "_topdir ${tmp}" \
  --define "dist ${rpm_dist}" \
  --define "_buildhost demo.example.org" \
  --define "use_source_date_epoch_as_buildtime 1" \
  --define "clamp_mtime_to_source_date_epoch 1" \
  --define "_binary_payload w9.gzdio" \
  "${here}/rpm/${name}.spec"

rpm_file="${name}-${version}-${rpm_release}${rpm_dist}.noarch.rpm"
[[ -f "${tmp}/RPMS/noarch/${rpm_file}" ]] || die "rpmbuild did not produce ${rpm_file}"
cp "${tmp}/RPMS/noarch/${rpm_file}" "${dist_dir}/${rpm_file}"

# ------------------------------------------------------------------- deb ---
root="${tmp}/deb"
doc="${root}/usr/share/doc/${name}"
install -d -m 0755 "${root}/DEBIAN" "${root}/usr/bin" "${root}/etc" "${doc}"
install -m 0755 "${here}/site_info_publisher/publish.py" "${root}/usr/bin/${name}"
install -m 0644 "${here}/etc/${name}.conf" "${root}/etc/${name}.conf"
install -m 0644 "${here}/debian/copyright" "${doc}/copyright"
gzip -9 -n -c "${here}/debian/changelog" >"${doc}/changelog.Debian.gz"
chmod 0644 "${doc}/changelog.Debian.gz"

cat >"${root}/DEBIAN/control" <<EOF
Package: ${name}
Version: ${deb_version}
Architecture: all
Maintainer: Jane Doe <jane.doe@example.org>
Installed-Size: 0
Depends: python3
Section: net
Priority: optional
Homepage: https://github.com/example-org/site-info-publisher
Description: GLUE 2.0 site information provider
 site-info-publisher publishes basic GLUE 2.0 information about a grid
 site (its GLUE2AdminDomain entry) as LDIF, for a site BDII to pick up.
EOF
installed_size="$(du -sk --apparent-size --exclude=DEBIAN "${root}" | cut -f1)"
sed -i "s/^Installed-Size: .*/Installed-Size: ${installed_size}/" "${root}/DEBIAN/control"
printf '/etc/%s.conf\n' "${name}" >"${root}/DEBIAN/conffiles"
(cd "${root}" && find etc usr -type f -print0 | sort -z | xargs -0 md5sum) >"${root}/DEBIAN/md5sums"
chmod 0644 "${root}/DEBIAN/control" "${root}/DEBIAN/conffiles" "${root}/DEBIAN/md5sums"
find "${root}" -exec touch -h -d "@${SOURCE_DATE_EPOCH}" {} +

deb_file="${name}_${deb_version}_all.deb"
dpkg-deb --root-owner-group -Zxz --build "${root}" "${dist_dir}/${deb_file}" >/dev/null

printf '%s\n' "${dist_dir}/${rpm_file}" "${dist_dir}/${deb_file}"
