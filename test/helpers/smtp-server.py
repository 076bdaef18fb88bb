# A real SMTP server (aiosmtpd) for the smoke tests: EHLO, AUTH PLAIN/LOGIN against one
# user whose password comes from the environment (never argv), no TLS. Prints "ready".
import os
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = os.environ["SMTP_USER"]
PASSWORD = os.environ["SMTP_PASSWORD"]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    # handled=False: aiosmtpd then answers 535 itself (its default assumes the hook replied).
    return AuthResult(success=ok, handled=False)


controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=int(sys.argv[1]),
    authenticator=authenticate,
    auth_require_tls=False,
)
controller.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
