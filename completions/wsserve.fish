# fish completion for wsserve(1)

# The words after --exec CMD, the current one included, one per line: the
# program's command line.  False before --exec CMD.
function __wsserve_exec_line
    set -l tokens (commandline -opc) (commandline -ct)
    set -l i (contains -i -- --exec $tokens[1..-2]); or return 1
    test $i -lt (math (count $tokens) - 1); or return 1
    string join \n -- $tokens[(math $i + 1)..-1]
end

# True while the words are still wsserve's, not the program's.
function __wsserve_own
    not __wsserve_exec_line >/dev/null
end

# --passenv NAME[,NAME...]: our exported variables, after the last comma.
function __wsserve_passenv
    set -l prefix (string replace -r -- '[^,]*$' '' (commandline -ct))
    printf '%s\n' $prefix(set --names -x)
end

complete -c wsserve -f
complete -c wsserve -n '__wsserve_exec_line >/dev/null' -a '(__fish_complete_subcommand --commandline (__wsserve_exec_line))'
complete -c wsserve -n __wsserve_own -s 0 -l null -d 'Records end with NUL, not newline, both ways'
complete -c wsserve -n __wsserve_own -s a -l address -x -d 'Listen on ADDRESS'
complete -c wsserve -n __wsserve_own -l allow-host -x -d 'Also answer requests for Host NAME (*: any)'
complete -c wsserve -n __wsserve_own -l auth -x -d 'Require HTTP Basic authorization (USER:PASS)'
complete -c wsserve -n __wsserve_own -l auth-file -r -F -d 'Require it for the user:pass lines of FILE'
complete -c wsserve -n __wsserve_own -s b -l binary -d 'Send stdin records as binary messages'
complete -c wsserve -n __wsserve_own -l cert -r -F -d 'Serve wss:// with this PEM certificate chain'
complete -c wsserve -n __wsserve_own -l ciphers -x -d 'TLS 1.2 cipher suites (OpenSSL syntax)'
complete -c wsserve -n __wsserve_own -l client-ca -r -F -d 'Require client certificates signed by this CA'
complete -c wsserve -n __wsserve_own -l close-grace -x -d '--exec: peer gone -> stdin closed, SIGTERM that much later (seconds)'
complete -c wsserve -n __wsserve_own -s E -l exit-on-eof -d 'At stdin EOF close all clients and exit'
complete -c wsserve -n __wsserve_own -l color -x -a 'auto always never' -d 'Colours: auto (on a terminal), always or never'
complete -c wsserve -n __wsserve_own -l echo -d 'Send each message back to its sender'
complete -c wsserve -n __wsserve_own -l events -d 'Client opens and closes as records on stdout'
complete -c wsserve -n __wsserve_own -l exec -x -a '(__fish_complete_command)' -d 'Run CMD [ARG...] (the rest of the line) for each client'
complete -c wsserve -n __wsserve_own -l handshake-timeout -x -d 'Drop handshakes not done in SECONDS'
complete -c wsserve -n __wsserve_own -s h -l help -d 'Print help and exit'
complete -c wsserve -n __wsserve_own -l ids -d 'ID<TAB>payload records both ways'
complete -c wsserve -n __wsserve_own -l jsonl -d 'One JSON object per message or event, both ways'
complete -c wsserve -n __wsserve_own -l key -r -F -d 'The PEM private key for --cert'
complete -c wsserve -n __wsserve_own -l max-clients -x -d 'Answer 503 beyond N open clients'
complete -c wsserve -n __wsserve_own -l max-memory -x -d 'Bound partial messages of all clients together (bytes)'
complete -c wsserve -n __wsserve_own -l max-pending -x -d 'Drop the oldest handshake beyond N'
complete -c wsserve -n __wsserve_own -l max-message -x -d 'Largest message accepted (bytes)'
complete -c wsserve -n __wsserve_own -l no-color -d 'No colours (as --color never)'
complete -c wsserve -n __wsserve_own -l no-deflate -d 'Do not accept permessage-deflate (compression)'
complete -c wsserve -n __wsserve_own -l no-events -d 'No event records (with --jsonl)'
complete -c wsserve -n __wsserve_own -l no-history -d 'At a terminal, keep no history file'
complete -c wsserve -n __wsserve_own -l no-page -d 'Do not serve the test page at http://ADDRESS:PORT/'
complete -c wsserve -n __wsserve_own -l origin -x -d 'Also accept browsers from ORIGIN (*: any)'
complete -c wsserve -n __wsserve_own -l passenv -x -a '(__wsserve_passenv)' -d '--exec: pass these variables of ours (NAME,...)'
complete -c wsserve -n __wsserve_own -l ping-interval -x -d 'Ping a client silent that long (seconds)'
complete -c wsserve -n __wsserve_own -l ping-timeout -x -d 'Drop a client that does not answer a ping (seconds)'
complete -c wsserve -n __wsserve_own -s p -l port -x -d 'Listen on PORT (0: any)'
complete -c wsserve -n __wsserve_own -s q -l quiet -d 'Do not log connects and disconnects'
complete -c wsserve -n __wsserve_own -l slow-client-timeout -x -d 'Close (1008) a client that lags that long (seconds; 0: never)'
complete -c wsserve -n __wsserve_own -l subprotocol -x -d 'Accept subprotocol NAME'
complete -c wsserve -n __wsserve_own -s U -l unix -r -F -d 'Listen on a Unix socket at PATH'
complete -c wsserve -n __wsserve_own -l trust-proxy -x -d "Take the client's address from X-Forwarded-For or Forwarded of this peer"
complete -c wsserve -n __wsserve_own -l unix-mode -x -d "The -U sockets' permissions, octal"
complete -c wsserve -n __wsserve_own -s v -l verbose -d 'Log handshake details'
complete -c wsserve -n __wsserve_own -s V -l version -d 'Print the version and exit'
complete -c wsserve -n __wsserve_own -l whole -d 'Stdin up to EOF is one message; nothing between messages out'
