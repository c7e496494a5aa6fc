#!/bin/sh
# Says bye, then dies of SIGKILL (sent by itself, not by wsserve).
echo bye
kill -s KILL $$
