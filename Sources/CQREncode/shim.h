// Debian's libqrencode (package libqrencode-dev): the QR encoder behind the payment codes.
#include <qrencode.h>
