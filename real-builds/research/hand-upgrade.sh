#!/bin/bash
# real-builds/research/hand-upgrade.sh PORT: one WebSocket upgrade to 127.0.0.1:PORT, prints the
# status line (101 when a gateway answers it), for the hand-measured truth files
curl -s -m 3 -i -N -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" "http://127.0.0.1:$1/" 2>/dev/null | head -1
