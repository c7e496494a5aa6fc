# fish completion for wsserve(1)

complete -c wsserve -f
complete -c wsserve -s a -l address -x -d 'Listen on ADDRESS'
complete -c wsserve -l cert -r -F -d 'Serve wss:// with this PEM certificate chain'
complete -c wsserve -l client-ca -r -F -d 'Require client certificates signed by this CA'
complete -c wsserve -s E -l exit-on-eof -d 'At stdin EOF close all clients and exit'
complete -c wsserve -l echo -d 'Send each message back to its sender'
complete -c wsserve -l handshake-timeout -x -d 'Drop handshakes not done in SECONDS'
complete -c wsserve -s h -l help -d 'Print help and exit'
complete -c wsserve -l key -r -F -d 'The PEM private key for --cert'
complete -c wsserve -l max-message -x -d 'Largest message accepted (bytes)'
complete -c wsserve -l no-page -d 'Do not serve the test page at http://ADDRESS:PORT/'
complete -c wsserve -l origin -x -d 'Accept only this Origin'
complete -c wsserve -s p -l port -x -d 'Listen on PORT (0: any)'
complete -c wsserve -s q -l quiet -d 'Do not log connects and disconnects'
complete -c wsserve -l subprotocol -x -d 'Accept subprotocol NAME'
complete -c wsserve -s v -l verbose -d 'Log handshake details'
complete -c wsserve -s V -l version -d 'Print the version and exit'
