# fish completion for wscat(1)

# The URL: the scheme, or the address wsserve listens on by default.
function __wscat_urls
    printf '%s\t%s\n' 'ws://' 'WebSocket URL' 'wss://' 'WebSocket over TLS' \
        'ws://127.0.0.1:15678/' 'wsserve default address'
end

# True while the command line has neither -c nor a URL operand.
function __wscat_needs_url
    set -l tokens (commandline -opc)
    set -e tokens[1]
    argparse 1 auth= ca= cert= ciphers= color= c/connect= connect-timeout= \
        count= echo x/execute= H/header= h/help host= k/insecure key= \
        max-message= n/no-check no-color no-history o/origin= passphrase= \
        ping-interval= ping-timeout= p/protocol= P/show-ping-pong slash \
        s/subprotocol= v/verbose V/version w/wait= \
        -- $tokens 2>/dev/null
    or return 1
    not set -q _flag_connect
    and test (count $argv) -eq 0
end

complete -c wscat -f
complete -c wscat -n __wscat_needs_url -a '(__wscat_urls)'
complete -c wscat -s 1 -d 'Exit after one received message'
complete -c wscat -l auth -x -d 'Send HTTP Basic authorization (user:pass)'
complete -c wscat -l ca -r -F -d 'Trust the CAs in this PEM file'
complete -c wscat -l cert -r -F -d 'Client certificate (PEM)'
complete -c wscat -l ciphers -x -d 'TLS 1.2 cipher suites (OpenSSL syntax)'
complete -c wscat -l color -x -a 'auto always never' -d 'Colours: auto (on a terminal), always or never'
complete -c wscat -s c -l connect -x -a '(__wscat_urls)' -d 'Server to connect to'
complete -c wscat -l connect-timeout -x -d 'Bound DNS, TCP and handshake (seconds)'
complete -c wscat -l count -x -d 'Exit after N received messages'
complete -c wscat -l echo -d 'Send each message back; do not read stdin'
complete -c wscat -s x -l execute -x -d 'Send MESSAGE instead of reading stdin'
complete -c wscat -s H -l header -x -d 'Add a request header (Name: value)'
complete -c wscat -s h -l help -d 'Print help and exit'
complete -c wscat -l host -x -d 'Send HOST as the Host header'
complete -c wscat -s k -l insecure -d 'Do not verify the server certificate'
complete -c wscat -l key -r -F -d 'Private key (PEM) for --cert'
complete -c wscat -l max-message -x -d 'Largest message accepted (bytes)'
complete -c wscat -s n -l no-check -d 'The same as --insecure'
complete -c wscat -l no-color -d 'No colours (as --color never)'
complete -c wscat -l no-history -d 'At a terminal, keep no history file'
complete -c wscat -s o -l origin -x -d 'Send an Origin header'
complete -c wscat -l passphrase -x -d 'Passphrase of an encrypted key (last, without one: ask)'
complete -c wscat -l ping-interval -x -d 'Ping a server silent that long (seconds)'
complete -c wscat -l ping-timeout -x -d 'Give up on a server that does not answer a ping (seconds)'
complete -c wscat -s p -l protocol -x -a 13 -d 'WebSocket protocol version (only 13)'
complete -c wscat -s P -l show-ping-pong -d 'Show pings and pongs'
complete -c wscat -l slash -d 'Slash commands in a pipe too (always at a terminal)'
complete -c wscat -s s -l subprotocol -x -d 'Offer a subprotocol'
complete -c wscat -s v -l verbose -d 'Show connection details on stderr'
complete -c wscat -s V -l version -d 'Print the version and exit'
complete -c wscat -s w -l wait -x -d 'After the input ends, wait SECONDS (-x: 2, else 0; -1: until closed)'
