"""Broker access tokens at rest: KMS ciphertext bound to (user, account) by the encryption context.

A ciphertext copied onto another account does not decrypt (the context differs), and the clear
token exists only in memory for the length of one sync. Never log either.
"""

from __future__ import annotations

import base64
from typing import Any


def _context(user_id: str, account_id: str) -> dict[str, str]:
    return {"app": "tradetrack", "userId": user_id, "accountId": account_id}


def encrypt_token(kms: Any, key_id: str, token: str, *, user_id: str, account_id: str) -> str:
    reply = kms.encrypt(
        KeyId=key_id, Plaintext=token.encode(), EncryptionContext=_context(user_id, account_id)
    )
    return base64.b64encode(reply["CiphertextBlob"]).decode("ascii")


def decrypt_token(kms: Any, ciphertext: str, *, user_id: str, account_id: str) -> str:
    reply = kms.decrypt(
        CiphertextBlob=base64.b64decode(ciphertext), EncryptionContext=_context(user_id, account_id)
    )
    return bytes(reply["Plaintext"]).decode()
