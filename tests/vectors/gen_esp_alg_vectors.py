#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes esp_alg_kat.h: ESP tunnel known answers for ChaCha20-Poly1305
(RFC 7634) and AES-CBC + HMAC-SHA2 (RFC 3602, RFC 4868), made by scapy, an
independent ESP implementation, for the ipsecgw ESP unit tests.

Run once with Debian's /usr/bin/python3 (python3-scapy,
python3-cryptography); the output is committed. Conventions are those of
gen_esp_vectors.py (outer header, padding 1, 2, 3, ...), plus:
  - ChaCha20-Poly1305: IV = the 64-bit sequence number, big endian;
  - AES-CBC: IV = AES-128-ECB(iv_key, 0^8 | seq64 big endian), the per-SA
    IV key being random in ipsecgw and fixed here through a test hook;
    padding to the 16-byte block.
scapy 2.5 leaves out the implicit high sequence bits (RFC 4303 2.2.1) from
the ESP ICV of non-AEAD algorithms: with ESN the ICV is recomputed here with
Python's hmac over ESP header | IV | ciphertext | seq_hi. Each packet is
decrypted back with scapy before it is written.
"""
import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from scapy.all import IP, UDP, raw
from scapy.layers.ipsec import ESP, SecurityAssociation

from gen_esp_vectors import (IN_DST, IN_SRC, OUT_DST, OUT_SRC, carr,
                             inner_packet, ip4, key_for, salt_for)

# enum, key bytes, scapy crypt algo, scapy auth algo, hashlib, ICV, integ key
ALGS = {
    'chacha20poly1305': ('GW_ALG_CHACHA20POLY1305', 32, 'CHACHA20-POLY1305',
                         None, None, 16, 0),
    'aes128-sha256': ('GW_ALG_AES128CBC_SHA256', 16, 'AES-CBC', 'SHA2-256-128',
                      hashlib.sha256, 16, 32),
    'aes128-sha384': ('GW_ALG_AES128CBC_SHA384', 16, 'AES-CBC', 'SHA2-384-192',
                      hashlib.sha384, 24, 48),
    'aes128-sha512': ('GW_ALG_AES128CBC_SHA512', 16, 'AES-CBC', 'SHA2-512-256',
                      hashlib.sha512, 32, 64),
    'aes256-sha256': ('GW_ALG_AES256CBC_SHA256', 32, 'AES-CBC', 'SHA2-256-128',
                      hashlib.sha256, 16, 32),
    'aes256-sha384': ('GW_ALG_AES256CBC_SHA384', 32, 'AES-CBC', 'SHA2-384-192',
                      hashlib.sha384, 24, 48),
    'aes256-sha512': ('GW_ALG_AES256CBC_SHA512', 32, 'AES-CBC', 'SHA2-512-256',
                      hashlib.sha512, 32, 64),
}

# name, algorithm, spi, seq64, esn, udp, inner UDP payload length
CASES = [
    ('chacha-raw-seq1', 'chacha20poly1305', 0x00005001, 1, False, False, 30),
    ('chacha-raw-esn-pad3', 'chacha20poly1305', 0x00005001,
     0x00000001_fffffffe, True, False, 35),
    ('chacha-udp-esn', 'chacha20poly1305', 0x00005002, 0x00000007_00000100,
     True, True, 100),
    ('chacha-udp-pad2', 'chacha20poly1305', 0x00005002, 77, False, True, 0),
    ('aes128-sha256-raw', 'aes128-sha256', 0x00006001, 1, False, False, 30),
    ('aes128-sha256-udp-esn', 'aes128-sha256', 0x00006002,
     0x00000002_00000005, True, True, 33),
    ('aes256-sha256-raw-esn', 'aes256-sha256', 0x00006003,
     0x00000001_fffffffe, True, False, 17),
    ('aes256-sha256-udp-block', 'aes256-sha256', 0x00006004, 0x1234, False,
     True, 6),
    ('aes128-sha384-udp', 'aes128-sha384', 0x00006005, 42, False, True, 1),
    ('aes256-sha384-raw-esn', 'aes256-sha384', 0x00006006,
     0x00000003_00000001, True, False, 100),
    ('aes128-sha512-raw-esn', 'aes128-sha512', 0x00006007,
     0x00000001_00000003, True, False, 1372),
    ('aes256-sha512-udp', 'aes256-sha512', 0x00006008, 0xffffffff, False,
     True, 64),
]


def cbc_iv(iv_key, seq):
    enc = Cipher(algorithms.AES(iv_key), modes.ECB()).encryptor()
    return enc.update(bytes(8) + struct.pack('!Q', seq)) + enc.finalize()


def build(case):
    name, alg, spi, seq, esn, udp, n = case
    enum, key_len, crypt, auth, hfn, icv, ikl = ALGS[alg]
    key = key_for(name, key_len)
    salt = salt_for(name) if auth is None else b''
    integ = bytes((i * 11 + len(name) + 3) & 0xff for i in range(ikl))
    iv_key = bytes((0x30 + i * 5 + len(name)) & 0xff for i in range(16))
    iv = struct.pack('!Q', seq) if auth is None else cbc_iv(iv_key, seq)
    inner = IP(raw(inner_packet(n, seq)))
    kw = dict(auth_algo=auth, auth_key=integ) if auth else {}
    sa = SecurityAssociation(
        ESP, spi=spi, crypt_algo=crypt, crypt_key=key + salt,
        tunnel_header=IP(src=OUT_SRC, dst=OUT_DST, id=seq & 0xffff, ttl=64,
                         tos=0, flags=0),
        nat_t_header=UDP(sport=4500, dport=4500) if udp else None,
        esn_en=esn, esn=seq >> 32, **kw)
    pkt = sa.encrypt(inner, seq_num=seq & 0xffffffff, iv=iv)
    pkt = IP(raw(pkt))
    if udp:
        pkt[UDP].len = len(pkt[UDP])
        pkt[UDP].chksum = 0
        pkt = IP(raw(pkt))
    outer = raw(pkt)
    if len(outer) != IP(outer).len:
        sys.exit(f'{name}: outer length mismatch')
    esp_off = 20 + (8 if udp else 0)
    if auth is not None:
        body = outer[esp_off:len(outer) - icv]
        if esn:
            mac = hmac.new(integ, body + struct.pack('!L', seq >> 32), hfn)
            outer = outer[:len(outer) - icv] + mac.digest()[:icv]
        elif hmac.new(integ, body, hfn).digest()[:icv] != outer[-icv:]:
            sys.exit(f'{name}: scapy ICV differs from hmac')
        if outer[esp_off + 8:esp_off + 24] != iv:
            sys.exit(f'{name}: IV not where expected')

    # Check: scapy decrypts the packet back to the inner packet.
    dec = IP(outer)
    if udp:
        esp = ESP(raw(dec[UDP].payload))
        dec = IP(raw(IP(src=dec.src, dst=dec.dst, proto=50) / esp))
    back = sa.decrypt(dec, verify=not (esn and auth is not None))
    if raw(back) != raw(inner):
        sys.exit(f'{name}: scapy cannot decrypt the packet')
    return dict(name=name, enum=enum, key=key, salt=salt or bytes(4),
                integ=integ, iv_key=iv_key, icv=icv, spi=spi, seq=seq,
                esn=esn, udp=udp, inner=raw(inner), outer=outer)


def field(name, b):
    return f'\t\t.{name} = ' + carr(b).replace('\n\t', '\n\t\t\t') \
        .replace('\n}', '\n\t\t}') + ','


def main():
    vs = [build(c) for c in CASES]
    o = ['/* SPDX-License-Identifier: BSD-3-Clause */',
         '/* Generated by tests/vectors/gen_esp_alg_vectors.py: do not edit. */',
         '#ifndef ESP_ALG_KAT_H', '#define ESP_ALG_KAT_H', '',
         '#include <stdbool.h>', '#include <stdint.h>', '',
         '#include "gw_cfg.h"', '',
         '/* Outer (tunnel) and inner addresses of every case, host order. */',
         f'#define ESP_ALG_KAT_OUTER_SRC {ip4(OUT_SRC)}',
         f'#define ESP_ALG_KAT_OUTER_DST {ip4(OUT_DST)}',
         f'#define ESP_ALG_KAT_INNER_SRC {ip4(IN_SRC)}',
         f'#define ESP_ALG_KAT_INNER_DST {ip4(IN_DST)}',
         '#define ESP_ALG_KAT_UDP_PORT 4500', '',
         'struct esp_alg_kat {',
         '\tconst char *name;',
         '\tenum gw_esp_alg alg;',
         '\tuint8_t key[32];',
         '\tuint32_t key_len;',
         '\tuint8_t salt[4];         /* AEAD only */',
         '\tuint8_t integ_key[64];   /* CBC only */',
         '\tuint32_t integ_key_len;',
         '\tuint8_t iv_key[16];      /* CBC: fixed through the test hook */',
         '\tuint32_t icv_len;',
         '\tuint32_t spi;',
         '\tuint64_t seq;           /* 64-bit sequence number */',
         '\tbool esn;',
         '\tbool udp;',
         '\tconst uint8_t *inner;',
         '\tuint32_t inner_len;',
         '\tconst uint8_t *outer;',
         '\tuint32_t outer_len;',
         '};', '']
    for i, v in enumerate(vs):
        o.append(f'/* {v["name"]} */')
        o.append(f'static const uint8_t esp_alg_kat_{i}_inner[] = {carr(v["inner"])};')
        o.append(f'static const uint8_t esp_alg_kat_{i}_outer[] = {carr(v["outer"])};')
    o.append('')
    o.append('static const struct esp_alg_kat esp_alg_kats[] = {')
    for i, v in enumerate(vs):
        o += ['\t{',
              f'\t\t.name = "{v["name"]}",',
              f'\t\t.alg = {v["enum"]},',
              field('key', v['key']),
              f'\t\t.key_len = {len(v["key"])},',
              '\t\t.salt = { ' + ', '.join(f'0x{x:02x}' for x in v['salt']) + ' },']
        if v['integ']:
            o += [field('integ_key', v['integ']),
                  f'\t\t.integ_key_len = {len(v["integ"])},',
                  field('iv_key', v['iv_key'])]
        o += [f'\t\t.icv_len = {v["icv"]},',
              f'\t\t.spi = 0x{v["spi"]:08x},',
              f'\t\t.seq = UINT64_C(0x{v["seq"]:016x}),',
              f'\t\t.esn = {"true" if v["esn"] else "false"},',
              f'\t\t.udp = {"true" if v["udp"] else "false"},',
              f'\t\t.inner = esp_alg_kat_{i}_inner, .inner_len = {len(v["inner"])},',
              f'\t\t.outer = esp_alg_kat_{i}_outer, .outer_len = {len(v["outer"])},',
              '\t},']
    o += ['};', '', '#endif /* ESP_ALG_KAT_H */']
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'esp_alg_kat.h')
    with open(path, 'w') as f:
        f.write('\n'.join(o) + '\n')
    print(f'wrote {path}: {len(vs)} cases')


if __name__ == '__main__':
    main()
