#!/bin/sh
# /usr/bin/gslb-lb: the bundled application on the bundled Node.js runtime (see /usr/share/doc/gslb-lb/copyright).
exec /usr/lib/gslb-lb/node/bin/node /usr/lib/gslb-lb/gslb-lb.cjs "$@"
