# fish completion for wscat(1)

# The URL: the scheme, or the address wsserve listens on by default.
function __wscat_urls
    printf '%s\t%s\n' 'ws://' 'WebSocket URL' 'wss://' 'WebSocket over TLS' \
        'ws://127.0.0.1:15678/' 'wsserve default address'
end

# The words after --exec CMD, the current one included, one per line: the
# program's command line.  False before --exec CMD.
function __wscat_exec_line
    set -l tokens (commandline -opc) (commandline -ct)
    set -l i (contains -i -- --exec $tokens[1..-2]); or return 1
    test $i -lt (math (count $tokens) - 1); or return 1
    string join \n -- $tokens[(math $i + 1)..-1]
end

# True while the words are still wscat's, not the program's.
function __wscat_own
    not __wscat_exec_line >/dev/null
end

# True while the command line has neither -c nor a URL operand, nor --exec.
function __wscat_needs_url
    set -l tokens (commandline -opc)
    set -e tokens[1]
    not contains -- --exec $tokens
    or return 1
    argparse 0/null 1 auth= b/binary ca= cert= ciphers= close-grace= color= \
        c/connect= connect-timeout= count= echo events x/execute= \
        H/header= h/help host= k/insecure insecure-redirect jsonl key= \
        L/location max-message= max-redirects= n/no-check no-color \
        no-deflate no-history o/origin= passphrase= ping-interval= \
        ping-timeout= p/protocol= proxy= reconnect reconnect-delay= \
        reconnect-max= P/show-ping-pong slash \
        s/subprotocol= unix= v/verbose V/version w/wait= whole \
        -- $tokens 2>/dev/null
    or return 1
    not set -q _flag_connect
    and test (count $argv) -eq 0
end

complete -c wscat -f
complete -c wscat -n __wscat_needs_url -a '(__wscat_urls)'
complete -c wscat -n '__wscat_exec_line >/dev/null' -a '(__fish_complete_subcommand --commandline (__wscat_exec_line))'
complete -c wscat -n __wscat_own -s 0 -l null -d 'Records end with NUL, not newline, both ways'
complete -c wscat -n __wscat_own -s 1 -d 'Exit after one received message'
complete -c wscat -n __wscat_own -l auth -x -d 'Send HTTP Basic authorization (user:pass)'
complete -c wscat -n __wscat_own -s b -l binary -d 'Send stdin records as binary messages'
complete -c wscat -n __wscat_own -l ca -r -F -d 'Trust the CAs in this PEM file'
complete -c wscat -n __wscat_own -l cert -r -F -d 'Client certificate (PEM)'
complete -c wscat -n __wscat_own -l ciphers -x -d 'TLS 1.2 cipher suites (OpenSSL syntax)'
complete -c wscat -n __wscat_own -l close-grace -x -d '--exec: peer gone -> stdin closed, SIGTERM that much later (seconds)'
complete -c wscat -n __wscat_own -l color -x -a 'auto always never' -d 'Colours: auto (on a terminal), always or never'
complete -c wscat -n __wscat_own -s c -l connect -x -a '(__wscat_urls)' -d 'Server to connect to'
complete -c wscat -n __wscat_own -l connect-timeout -x -d 'Bound DNS, TCP and handshake (seconds)'
complete -c wscat -n __wscat_own -l count -x -d 'Exit after N received messages'
complete -c wscat -n __wscat_own -l echo -d 'Send each message back; do not read stdin'
complete -c wscat -n __wscat_own -l events -d 'The open and the close as records (--jsonl)'
complete -c wscat -n __wscat_own -l exec -x -a '(__fish_complete_command)' -d 'Bridge the connection to CMD [ARG...] (the rest of the line)'
complete -c wscat -n __wscat_own -s x -l execute -x -d 'Send MESSAGE instead of reading stdin'
complete -c wscat -n __wscat_own -s H -l header -x -d 'Add a request header (Name: value)'
complete -c wscat -n __wscat_own -s h -l help -d 'Print help and exit'
complete -c wscat -n __wscat_own -l host -x -d 'Send HOST as the Host header'
complete -c wscat -n __wscat_own -s k -l insecure -d 'Do not verify the server certificate'
complete -c wscat -n __wscat_own -l jsonl -d 'One JSON object per message or event, both ways'
complete -c wscat -n __wscat_own -l key -r -F -d 'Private key (PEM) for --cert'
complete -c wscat -n __wscat_own -l insecure-redirect -d '-L: follow a redirect from wss:// to ws:// too'
complete -c wscat -n __wscat_own -s L -l location -d 'Follow redirects (301, 302, 303, 307, 308)'
complete -c wscat -n __wscat_own -l max-message -x -d 'Largest message accepted (bytes)'
complete -c wscat -n __wscat_own -l max-redirects -x -d '-L: follow at most N redirects'
complete -c wscat -n __wscat_own -l no-deflate -d 'Do not offer permessage-deflate (compression)'
complete -c wscat -n __wscat_own -l proxy -x -d 'Through the HTTP CONNECT or socks5h:// proxy at URL'
complete -c wscat -n __wscat_own -l reconnect -d 'Come back after a lost connection'
complete -c wscat -n __wscat_own -l reconnect-delay -x -d "--reconnect: the backoff's bounds (MIN:MAX seconds)"
complete -c wscat -n __wscat_own -l reconnect-max -x -d '--reconnect: give up after N attempts in a row'
complete -c wscat -n __wscat_own -s n -l no-check -d 'The same as --insecure'
complete -c wscat -n __wscat_own -l no-color -d 'No colours (as --color never)'
complete -c wscat -n __wscat_own -l no-history -d 'At a terminal, keep no history file'
complete -c wscat -n __wscat_own -s o -l origin -x -d 'Send an Origin header'
complete -c wscat -n __wscat_own -l passphrase -x -d 'Passphrase of an encrypted key (last, without one: ask)'
complete -c wscat -n __wscat_own -l ping-interval -x -d 'Ping a server silent that long (seconds)'
complete -c wscat -n __wscat_own -l ping-timeout -x -d 'Give up on a server that does not answer a ping (seconds)'
complete -c wscat -n __wscat_own -s p -l protocol -x -a 13 -d 'WebSocket protocol version (only 13)'
complete -c wscat -n __wscat_own -s P -l show-ping-pong -d 'Show pings and pongs'
complete -c wscat -n __wscat_own -l slash -d 'Slash commands in a pipe too (always at a terminal)'
complete -c wscat -n __wscat_own -s s -l subprotocol -x -d 'Offer a subprotocol'
complete -c wscat -n __wscat_own -l unix -r -F -d 'Connect to the Unix socket at PATH (the URL gives Host and path)'
complete -c wscat -n __wscat_own -s v -l verbose -d 'Show connection details on stderr'
complete -c wscat -n __wscat_own -s V -l version -d 'Print the version and exit'
complete -c wscat -n __wscat_own -l whole -d 'Stdin up to EOF is one message; nothing between messages out'
complete -c wscat -n __wscat_own -s w -l wait -x -d 'After the input ends, wait SECONDS (-x: 2, else 0; -1: until closed)'
