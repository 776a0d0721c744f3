#!/bin/sh
# Bring the map's timeline up to date, then export the embed a story links to, or publish the
# static site (docs/publish.md) and copy it to its host.
#
#   MAPKIT_HOME=/srv/mapkit EMBED_OUT=/var/www/html/ukraine-map.html ./refresh-map.sh [OPTION…]
#   MAPKIT_HOME=/srv/mapkit SITE_OUT=/srv/site SITE_BASE_URL=https://example.org/ukraine-map/ \
#       SITE_SYNC="rsync -a --delete /srv/site/ /var/www/ukraine-map/" ./refresh-map.sh
#
# Options go to `mapkit update` (e.g. --source mirror).
# MAPKIT_HOME is a checkout of mapkit with its virtualenv in .venv (`python3 run.py mapkit
# --version` makes it); the bundled folder data/control_snapshots/deepstate/ (isw/ with --source
# isw) is brought up to date in place. The embed is written even when some dates were rejected (the others are in it);
# the script then exits with mapkit update's code, so cron mails and systemd marks the failure:
# 0 up to date, 1 some dates rejected (see the output), 2 bad usage, 3 no network, 4 the source
# is stale (nothing new for more than --max-age days), 5 the folder or cache cannot be written.
set -u
cd "${MAPKIT_HOME:?set MAPKIT_HOME to the mapkit checkout}" || exit 2
mapkit=.venv/bin/mapkit
"$mapkit" update --cache "${MAPKIT_CACHE:-$HOME/.cache/mapkit}" "$@"
code=$?
case "$code" in
    0 | 1 | 4)  # dates may have been written: the embed (or the site) shows them
        if [ -n "${SITE_OUT:-}" ]; then
            # the static site: only the files the new dates change are written
            "$mapkit" publish "$SITE_OUT" ${SITE_BASE_URL:+--base-url "$SITE_BASE_URL"} \
                || exit $?
            if [ -n "${SITE_SYNC:-}" ]; then  # e.g. "rsync -a --delete" or your upload
                sh -c "$SITE_SYNC" || exit $?
            fi
        else
            "$mapkit" export --format embed \
                --out "${EMBED_OUT:?set EMBED_OUT to the embed file, or SITE_OUT to a folder}" \
                || exit $?
        fi ;;
esac
exit "$code"
