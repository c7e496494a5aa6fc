#ifndef VERSION_H
#define VERSION_H
#define WS_VERSION "0.1.0"
#endif
