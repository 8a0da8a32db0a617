#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes ike_kat.h: IKEv2 messages encoded by scapy's IKEv2 layer
(scapy.contrib.ikev2), an independent RFC 7296 implementation, for the
ipsecgw codec tests (tests/unit/ike/test_ike_msg.c).

Run once with Debian's /usr/bin/python3 (python3-scapy); the output is
committed. For each message the header lists the bytes and, separately,
the field values they were built from, so the test can check the parser
against them and rebuild the message with ipsecgw's writer, which must
give the same bytes. Conventions where the encoding leaves a choice are
ipsecgw's: transforms in type order (ENCR, PRF, INTEG, DH, ESN), reserved
octets and critical bits zero, SK padding of zeros to the block size.

The Encrypted payload's body is IV | plaintext | ICV with the plaintext
left in clear (as ENCR_NULL would): the codec keeps it opaque, and the
test parses the inner chain from it as decryption would hand it over.

scapy 2.5 quirks worked around here, by giving the field explicitly:
  - IDi/IDr/Notify-with-SPI/Delete lengths (its length_of names the wrong
    field or leaves the SPI out; it has no Delete layout, so the Delete
    body is given as octets);
  - transform length 12 when a Key Length attribute follows;
  - next_payload of every payload (its automatic chaining does not cover
    all payload classes, e.g. CERTREQ).
Every message is dissected back with scapy and its lengths checked.
"""
import ipaddress
import os
import struct
import sys

from scapy.contrib.ikev2 import (
    IKEv2, IKEv2_payload_AUTH, IKEv2_payload_CERTREQ, IKEv2_payload_Encrypted,
    IKEv2_payload_IDi, IKEv2_payload_KE, IKEv2_payload_Nonce,
    IKEv2_payload_Notify, IKEv2_payload_Proposal, IKEv2_payload_SA,
    IKEv2_payload_Transform, IKEv2_payload_TSi, IKEv2_payload_TSr,
    IKEv2_payload_VendorID, IKEv2_payload, IPv4TrafficSelector,
    IPv6TrafficSelector)
from scapy.packet import raw

# IANA numbers (RFC 7296 section 3)
PL = {'SA': 33, 'KE': 34, 'IDi': 35, 'IDr': 36, 'CERT': 37, 'CERTREQ': 38,
      'AUTH': 39, 'Nonce': 40, 'N': 41, 'D': 42, 'V': 43, 'TSi': 44,
      'TSr': 45, 'SK': 46}
ENCR, PRF, INTEG, DH, ESN = 1, 2, 3, 4, 5
N_COOKIE, N_NATD_S, N_NATD_D = 16390, 16388, 16389
N_INITIAL_CONTACT, N_REKEY_SA, N_FRAG, N_SIGHASH = 16384, 16393, 16430, 16431
N_USE_TRANSPORT_MODE = 16391
PROTO_IKE, PROTO_ESP = 1, 3


def det_bytes(tag, n):
    """Deterministic pseudo-random octets, different per tag."""
    seed = sum(tag.encode()) * 131 + len(tag)
    out = bytearray()
    x = seed & 0xffffffff or 1
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out.append((x >> 16) & 0xff)
    return bytes(out)


def transform(ttype, tid, key_len, last):
    if key_len:
        return IKEv2_payload_Transform(next_payload=0 if last else 3,
                                       length=12, transform_type=ttype,
                                       transform_id=tid, key_length=key_len)
    return IKEv2_payload_Transform(next_payload=0 if last else 3, length=8,
                                   transform_type=ttype, transform_id=tid)


def proposal(num, proto, spi, xforms, last):
    """xforms: [(type, id, key_len)] in wire order."""
    t = None
    for i, (tt, tid, kl) in enumerate(xforms):
        x = transform(tt, tid, kl, i == len(xforms) - 1)
        t = x if t is None else t / x
    return IKEv2_payload_Proposal(next_payload=0 if last else 2, proposal=num,
                                  proto=proto, SPIsize=len(spi), SPI=spi,
                                  trans_nb=len(xforms), trans=t)


def sa_payload(np, props):
    """props: [(num, proto, spi, xforms)]"""
    p = None
    for i, (num, proto, spi, xf) in enumerate(props):
        x = proposal(num, proto, spi, xf, i == len(props) - 1)
        p = x if p is None else p / x
    return IKEv2_payload_SA(next_payload=np, prop=p)


def notify(np, ntype, data=b'', proto=0, spi=b''):
    return IKEv2_payload_Notify(next_payload=np, proto=proto, SPIsize=len(spi),
                                type=ntype, SPI=spi, load=data,
                                length=8 + len(spi) + len(data))


def ts4(proto, sport, eport, start, end):
    return IPv4TrafficSelector(TS_type=7, IP_protocol_ID=proto, length=16,
                               start_port=sport, end_port=eport,
                               starting_address_v4=start,
                               ending_address_v4=end)


def ts6(proto, sport, eport, start, end):
    return IPv6TrafficSelector(TS_type=8, IP_protocol_ID=proto, length=40,
                               start_port=sport, end_port=eport,
                               starting_address_v6=start,
                               ending_address_v6=end)


def ts_payload(cls, np, sels):
    body = b''.join(raw(s) for s in sels)
    return cls(next_payload=np, number_of_TSs=len(sels), length=8 + len(body),
               traffic_selector=[s for s in sels])


def chain(payloads):
    """Stacks payload layers; each already carries its next_payload."""
    p = payloads[0]
    for x in payloads[1:]:
        p = p / x
    return p


def pad_plain(inner, block):
    pad = (block - (len(inner) + 1) % block) % block if block > 1 else 0
    return inner + bytes(pad) + bytes([pad])


def walk_check(msg):
    """Independent walk of the generic payload chain: lengths add up."""
    assert struct.unpack('!I', msg[24:28])[0] == len(msg)
    np, off = msg[16], 28
    while np:
        if np == PL['SK']:
            assert off + struct.unpack('!H', msg[off + 2:off + 4])[0] == len(msg)
            return
        np, plen = msg[off], struct.unpack('!H', msg[off + 2:off + 4])[0]
        off += plen
    assert off == len(msg), (off, len(msg))


def check_inner(plain_chain, first):
    np, off = first, 0
    while np:
        np, plen = plain_chain[off], struct.unpack('!H', plain_chain[off + 2:off + 4])[0]
        off += plen
    assert off == len(plain_chain)


# ---------------------------------------------------------------- messages

KATS = []

SPI_I = 0x0102030405060708
SPI_R = 0x1112131415161718


def hdr(spi_i, spi_r, np, exch, flags, mid):
    return IKEv2(init_SPI=struct.pack('!Q', spi_i),
                 resp_SPI=struct.pack('!Q', spi_r), next_payload=np,
                 version=0x20, exch_type=exch, flags=flags, id=mid)


# 1. IKE_SA_INIT request: SA (2 proposals) KE Nonce N(NATD_S) N(NATD_D)
def kat_init_req():
    ke = det_bytes('init-req-ke', 96)
    nonce = det_bytes('init-req-nonce', 32)
    natd_s = det_bytes('init-req-natd-s', 20)
    natd_d = det_bytes('init-req-natd-d', 20)
    sa = sa_payload(PL['KE'], [
        (1, PROTO_IKE, b'', [(ENCR, 20, 256), (PRF, 6, 0), (DH, 20, 0)]),
        (2, PROTO_IKE, b'', [(ENCR, 12, 128), (PRF, 5, 0), (INTEG, 12, 0), (DH, 14, 0)]),
    ])
    pkt = hdr(SPI_I, 0, PL['SA'], 34, 0x08, 0) / chain([
        sa,
        IKEv2_payload_KE(next_payload=PL['Nonce'], group=20, load=ke),
        IKEv2_payload_Nonce(next_payload=PL['N'], load=nonce),
        notify(PL['N'], N_NATD_S, natd_s),
        notify(0, N_NATD_D, natd_d),
    ])
    return dict(name='init-req', msg=raw(pkt), spi_i=SPI_I, spi_r=0, exchange=34,
                flags=0x08, msg_id=0, outer=['SA', 'KE', 'Nonce', 'N', 'N'],
                proposals='aes256gcm16-prfsha384-ecp384,aes128-sha256-modp2048',
                sa_protocol=PROTO_IKE, prop_nums=[1, 2], spi=b'',
                ke_group=20, ke=ke, nonce=nonce,
                notify=[(0, N_NATD_S, b'', natd_s), (0, N_NATD_D, b'', natd_d)])


# 2. IKE_SA_INIT response: SA (proposal 2 chosen) KE Nonce N N N N V CERTREQ
def kat_init_resp():
    ke = det_bytes('init-resp-ke', 256)
    nonce = det_bytes('init-resp-nonce', 32)
    natd_s = det_bytes('init-resp-natd-s', 20)
    natd_d = det_bytes('init-resp-natd-d', 20)
    sighash = bytes.fromhex('000200030004')
    vid = det_bytes('init-resp-vid', 16)
    certreq = det_bytes('init-resp-certreq', 40)    # two SHA-1 key hashes
    sa = sa_payload(PL['KE'], [
        (2, PROTO_IKE, b'', [(ENCR, 12, 128), (PRF, 5, 0), (INTEG, 12, 0), (DH, 14, 0)]),
    ])
    pkt = hdr(SPI_I, SPI_R, PL['SA'], 34, 0x20, 0) / chain([
        sa,
        IKEv2_payload_KE(next_payload=PL['Nonce'], group=14, load=ke),
        IKEv2_payload_Nonce(next_payload=PL['N'], load=nonce),
        notify(PL['N'], N_NATD_S, natd_s),
        notify(PL['N'], N_NATD_D, natd_d),
        notify(PL['N'], N_FRAG),
        notify(PL['V'], N_SIGHASH, sighash),
        IKEv2_payload_VendorID(next_payload=PL['CERTREQ'], vendorID=vid),
        IKEv2_payload_CERTREQ(next_payload=0, cert_type=4, cert_data=certreq),
    ])
    return dict(name='init-resp', msg=raw(pkt), spi_i=SPI_I, spi_r=SPI_R,
                exchange=34, flags=0x20, msg_id=0,
                outer=['SA', 'KE', 'Nonce', 'N', 'N', 'N', 'N', 'V', 'CERTREQ'],
                proposals='aes128-sha256-modp2048', sa_protocol=PROTO_IKE,
                prop_nums=[2], spi=b'', ke_group=14, ke=ke, nonce=nonce,
                notify=[(0, N_NATD_S, b'', natd_s), (0, N_NATD_D, b'', natd_d),
                        (0, N_FRAG, b'', b''), (0, N_SIGHASH, b'', sighash)],
                vendor=vid, certreq=(4, certreq))


# 3. IKE_SA_INIT request retried with a cookie: N(COOKIE) SA KE Nonce N N
def kat_init_cookie():
    cookie = det_bytes('init-cookie-cookie', 36)
    ke = det_bytes('init-cookie-ke', 32)
    nonce = det_bytes('init-cookie-nonce', 16)
    natd_s = det_bytes('init-cookie-natd-s', 20)
    natd_d = det_bytes('init-cookie-natd-d', 20)
    sa = sa_payload(PL['KE'], [
        (1, PROTO_IKE, b'', [(ENCR, 28, 0), (PRF, 5, 0), (DH, 31, 0)]),
        (2, PROTO_IKE, b'', [(ENCR, 20, 128), (PRF, 5, 0), (DH, 19, 0)]),
    ])
    pkt = hdr(0x2122232425262728, 0, PL['N'], 34, 0x08, 0) / chain([
        notify(PL['SA'], N_COOKIE, cookie),
        sa,
        IKEv2_payload_KE(next_payload=PL['Nonce'], group=31, load=ke),
        IKEv2_payload_Nonce(next_payload=PL['N'], load=nonce),
        notify(PL['N'], N_NATD_S, natd_s),
        notify(0, N_NATD_D, natd_d),
    ])
    return dict(name='init-cookie', msg=raw(pkt), spi_i=0x2122232425262728, spi_r=0,
                exchange=34, flags=0x08, msg_id=0,
                outer=['N', 'SA', 'KE', 'Nonce', 'N', 'N'],
                proposals='chacha20poly1305-prfsha256-curve25519,aes128gcm16-prfsha256-ecp256',
                sa_protocol=PROTO_IKE, prop_nums=[1, 2], spi=b'',
                ke_group=31, ke=ke, nonce=nonce,
                notify=[(0, N_COOKIE, b'', cookie), (0, N_NATD_S, b'', natd_s),
                        (0, N_NATD_D, b'', natd_d)])


def encrypted(name, spi_i, spi_r, exch, flags, mid, inner, first, iv_len, icv_len, block):
    chain_bytes = raw(chain(inner))
    check_inner(chain_bytes, first)
    plain = pad_plain(chain_bytes, block)
    iv = det_bytes(name + '-iv', iv_len)
    icv = det_bytes(name + '-icv', icv_len)
    pkt = hdr(spi_i, spi_r, PL['SK'], exch, flags, mid) / IKEv2_payload_Encrypted(
        next_payload=first, load=iv + plain + icv)
    return raw(pkt), plain, iv, icv


# 4. IKE_AUTH request: SK { N(INITIAL_CONTACT) IDi AUTH SA TSi TSr }
def kat_auth_req():
    idi = b'gw1.example.net'
    auth = det_bytes('auth-req-auth', 32)
    esp_spi = bytes.fromhex('c0ffee01')
    tsi = [ts4(0, 0, 65535, '10.1.0.0', '10.1.255.255')]
    tsr = [ts4(17, 500, 500, '10.2.0.0', '10.2.0.255'),
           ts6(0, 0, 65535, '2001:db8:2::', '2001:db8:2::ffff')]
    inner = [
        notify(PL['IDi'], N_INITIAL_CONTACT),
        IKEv2_payload_IDi(next_payload=PL['AUTH'], IDtype=2, ID=idi, length=8 + len(idi)),
        IKEv2_payload_AUTH(next_payload=PL['SA'], auth_type=2, load=auth),
        sa_payload(PL['TSi'], [(1, PROTO_ESP, esp_spi,
                                [(ENCR, 20, 256), (ESN, 1, 0), (ESN, 0, 0)])]),
        ts_payload(IKEv2_payload_TSi, PL['TSr'], tsi),
        ts_payload(IKEv2_payload_TSr, 0, tsr),
    ]
    msg, plain, iv, icv = encrypted('auth-req', SPI_I, SPI_R, 35, 0x08, 1, inner,
                                    PL['N'], 16, 16, 16)
    return dict(name='auth-req', msg=msg, spi_i=SPI_I, spi_r=SPI_R, exchange=35,
                flags=0x08, msg_id=1, outer=['SK'],
                inner=['N', 'IDi', 'AUTH', 'SA', 'TSi', 'TSr'],
                sk_first=PL['N'], plain=plain, iv=iv, icv=icv, block=16,
                proposals='aes256gcm16-esn-noesn', sa_protocol=PROTO_ESP,
                prop_nums=[1], spi=esp_spi,
                notify=[(0, N_INITIAL_CONTACT, b'', b'')],
                idi=(2, idi), auth=(2, auth),
                tsi=[(7, 0, 0, 65535, '10.1.0.0', '10.1.255.255')],
                tsr=[(7, 17, 500, 500, '10.2.0.0', '10.2.0.255'),
                     (8, 0, 0, 65535, '2001:db8:2::', '2001:db8:2::ffff')])


# 5. CREATE_CHILD_SA rekey: SK { N(REKEY_SA, ESP SPI) SA Nonce KE TSi TSr }
def kat_ccsa_req():
    old_spi = bytes.fromhex('c0ffee01')
    new_spi = bytes.fromhex('c0ffee02')
    nonce = det_bytes('ccsa-nonce', 32)
    ke = det_bytes('ccsa-ke', 64)
    tsi = [ts4(0, 0, 65535, '10.1.0.0', '10.1.255.255')]
    tsr = [ts4(0, 0, 65535, '10.2.0.0', '10.2.255.255')]
    inner = [
        notify(PL['SA'], N_REKEY_SA, b'', PROTO_ESP, old_spi),
        sa_payload(PL['Nonce'], [(1, PROTO_ESP, new_spi,
                                  [(ENCR, 20, 128), (DH, 19, 0), (ESN, 1, 0)])]),
        IKEv2_payload_Nonce(next_payload=PL['KE'], load=nonce),
        IKEv2_payload_KE(next_payload=PL['TSi'], group=19, load=ke),
        ts_payload(IKEv2_payload_TSi, PL['TSr'], tsi),
        ts_payload(IKEv2_payload_TSr, 0, tsr),
    ]
    msg, plain, iv, icv = encrypted('ccsa-req', SPI_I, SPI_R, 36, 0x08, 2, inner,
                                    PL['N'], 8, 16, 1)
    return dict(name='ccsa-req', msg=msg, spi_i=SPI_I, spi_r=SPI_R, exchange=36,
                flags=0x08, msg_id=2, outer=['SK'],
                inner=['N', 'SA', 'Nonce', 'KE', 'TSi', 'TSr'],
                sk_first=PL['N'], plain=plain, iv=iv, icv=icv, block=1,
                proposals='aes128gcm16-ecp256-esn', sa_protocol=PROTO_ESP,
                prop_nums=[1], spi=new_spi, ke_group=19, ke=ke, nonce=nonce,
                notify=[(PROTO_ESP, N_REKEY_SA, old_spi, b'')],
                tsi=[(7, 0, 0, 65535, '10.1.0.0', '10.1.255.255')],
                tsr=[(7, 0, 0, 65535, '10.2.0.0', '10.2.255.255')])


# 6. INFORMATIONAL response: SK { D(ESP, 2 SPIs) }; scapy has no Delete
# layout, so its body goes in as octets under scapy's generic payload.
def kat_info_delete():
    spis = bytes.fromhex('c0ffee01c0ffee02')
    body = struct.pack('!BBH', PROTO_ESP, 4, 2) + spis
    inner = [IKEv2_payload(next_payload=0, length=4 + len(body), load=body)]
    msg, plain, iv, icv = encrypted('info-delete', SPI_I, SPI_R, 37, 0x20, 3, inner,
                                    PL['D'], 16, 16, 16)
    return dict(name='info-delete', msg=msg, spi_i=SPI_I, spi_r=SPI_R, exchange=37,
                flags=0x20, msg_id=3, outer=['SK'], inner=['D'],
                sk_first=PL['D'], plain=plain, iv=iv, icv=icv, block=16,
                delete=(PROTO_ESP, 4, 2, spis))


# --------------------------------------------------------------- C output

def c_bytes(name, data):
    lines = ['static const uint8_t %s[%d] = {' % (name, max(len(data), 1))]
    for i in range(0, len(data), 12):
        lines.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    if not data:
        lines.append('\t0')
    lines.append('};')
    return '\n'.join(lines)


def addr_bytes(s):
    a = ipaddress.ip_address(s).packed
    return '{ ' + ', '.join('0x%02x' % b for b in a) + ' }'


def emit(k, out):
    cid = k['name'].replace('-', '_')
    pfx = 'ike_kat_%s' % cid
    out.append(c_bytes(pfx + '_msg', k['msg']))
    fields = ['.name = "%s"' % k['name'],
              '.msg = %s_msg, .msg_len = %d' % (pfx, len(k['msg'])),
              '.spi_i = UINT64_C(0x%016x), .spi_r = UINT64_C(0x%016x)' % (k['spi_i'], k['spi_r']),
              '.exchange = %d, .flags = 0x%02x, .msg_id = %d' % (k['exchange'], k['flags'], k['msg_id']),
              '.n_outer = %d, .outer = { %s }' % (len(k['outer']), ', '.join(str(PL[t]) for t in k['outer']))]
    if 'inner' in k:
        out.append(c_bytes(pfx + '_plain', k['plain']))
        out.append(c_bytes(pfx + '_iv', k['iv']))
        out.append(c_bytes(pfx + '_icv', k['icv']))
        fields += ['.n_inner = %d, .inner = { %s }' % (len(k['inner']), ', '.join(str(PL[t]) for t in k['inner'])),
                   '.sk_first = %d' % k['sk_first'],
                   '.plain = %s_plain, .plain_len = %d' % (pfx, len(k['plain'])),
                   '.iv = %s_iv, .iv_len = %d' % (pfx, len(k['iv'])),
                   '.icv = %s_icv, .icv_len = %d' % (pfx, len(k['icv'])),
                   '.block = %d' % k['block']]
    if 'proposals' in k:
        fields += ['.proposals = "%s", .sa_protocol = %d' % (k['proposals'], k['sa_protocol']),
                   '.n_prop = %d, .prop_nums = { %s }' % (len(k['prop_nums']), ', '.join(map(str, k['prop_nums']))),
                   '.spi_size = %d, .spi = { %s }' % (len(k['spi']), ', '.join('0x%02x' % b for b in k['spi']) or '0')]
    if 'ke' in k:
        out.append(c_bytes(pfx + '_ke', k['ke']))
        fields.append('.ke_group = %d, .ke = %s_ke, .ke_len = %d' % (k['ke_group'], pfx, len(k['ke'])))
    if 'nonce' in k:
        out.append(c_bytes(pfx + '_nonce', k['nonce']))
        fields.append('.nonce = %s_nonce, .nonce_len = %d' % (pfx, len(k['nonce'])))
    if 'notify' in k:
        items = []
        for i, (proto, ntype, spi, data) in enumerate(k['notify']):
            out.append(c_bytes('%s_n%d_spi' % (pfx, i), spi))
            out.append(c_bytes('%s_n%d_data' % (pfx, i), data))
            items.append('\t{ %d, %d, %s_n%d_spi, %d, %s_n%d_data, %d },' %
                         (proto, ntype, pfx, i, len(spi), pfx, i, len(data)))
        out.append('static const struct ike_kat_notify %s_notify[] = {\n%s\n};' % (pfx, '\n'.join(items)))
        fields.append('.notify = %s_notify, .n_notify = %d' % (pfx, len(k['notify'])))
    if 'vendor' in k:
        out.append(c_bytes(pfx + '_vendor', k['vendor']))
        fields.append('.vendor = %s_vendor, .vendor_len = %d' % (pfx, len(k['vendor'])))
    if 'certreq' in k:
        out.append(c_bytes(pfx + '_certreq', k['certreq'][1]))
        fields.append('.certreq_enc = %d, .certreq = %s_certreq, .certreq_len = %d' %
                      (k['certreq'][0], pfx, len(k['certreq'][1])))
    if 'idi' in k:
        out.append(c_bytes(pfx + '_idi', k['idi'][1]))
        fields.append('.idi_type = %d, .idi = %s_idi, .idi_len = %d' % (k['idi'][0], pfx, len(k['idi'][1])))
    if 'auth' in k:
        out.append(c_bytes(pfx + '_auth', k['auth'][1]))
        fields.append('.auth_method = %d, .auth = %s_auth, .auth_len = %d' % (k['auth'][0], pfx, len(k['auth'][1])))
    for side in ('tsi', 'tsr'):
        if side in k:
            items = ['\t{ %d, %d, %d, %d, %s, %s },' % (t, p, sp, ep, addr_bytes(a), addr_bytes(b))
                     for (t, p, sp, ep, a, b) in k[side]]
            out.append('static const struct ike_kat_ts %s_%s[] = {\n%s\n};' % (pfx, side, '\n'.join(items)))
            fields.append('.%s = %s_%s, .n_%s = %d' % (side, pfx, side, side, len(k[side])))
    if 'delete' in k:
        proto, spi_size, n, spis = k['delete']
        out.append(c_bytes(pfx + '_del_spis', spis))
        fields.append('.del_proto = %d, .del_spi_size = %d, .del_n = %d, .del_spis = %s_del_spis' %
                      (proto, spi_size, n, pfx))
    return '\t{\n' + ''.join('\t\t%s,\n' % f for f in fields) + '\t},'


HEADER = '''/* SPDX-License-Identifier: BSD-3-Clause */
/* Generated by tests/vectors/gen_ike_vectors.py: do not edit. */
#ifndef IKE_KAT_H
#define IKE_KAT_H

#include <stdbool.h>
#include <stdint.h>

struct ike_kat_notify {
	uint8_t protocol;
	uint16_t type;
	const uint8_t *spi;
	uint8_t spi_size;
	const uint8_t *data;
	uint16_t len;
};

/* IPv4 addresses use the first 4 octets */
struct ike_kat_ts {
	uint8_t type;
	uint8_t ip_proto;
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];
	uint8_t end[16];
};

struct ike_kat {
	const char *name;
	const uint8_t *msg;
	uint32_t msg_len;
	uint64_t spi_i, spi_r;
	uint8_t exchange, flags;
	uint32_t msg_id;
	uint8_t n_outer, outer[16];     /* payload types, outer chain */
	/* SK: body = iv | plain | icv, plain = inner chain | zero padding | pad length */
	uint8_t n_inner, inner[16];
	uint8_t sk_first;
	const uint8_t *plain, *iv, *icv;
	uint32_t plain_len, iv_len, icv_len, block;
	/* SA: strongSwan proposals giving the same transforms, wire order */
	const char *proposals;
	uint8_t sa_protocol, n_prop, prop_nums[8], spi_size, spi[8];
	uint16_t ke_group;
	const uint8_t *ke;
	uint16_t ke_len;
	const uint8_t *nonce;
	uint16_t nonce_len;
	const struct ike_kat_notify *notify;
	uint8_t n_notify;
	const uint8_t *vendor;
	uint16_t vendor_len;
	uint8_t certreq_enc;
	const uint8_t *certreq;
	uint16_t certreq_len;
	uint8_t idi_type;
	const uint8_t *idi;
	uint16_t idi_len;
	uint8_t auth_method;
	const uint8_t *auth;
	uint16_t auth_len;
	const struct ike_kat_ts *tsi, *tsr;
	uint8_t n_tsi, n_tsr;
	uint8_t del_proto, del_spi_size;
	uint16_t del_n;
	const uint8_t *del_spis;
};
'''


def main():
    kats = [kat_init_req(), kat_init_resp(), kat_init_cookie(), kat_auth_req(),
            kat_ccsa_req(), kat_info_delete()]
    for k in kats:
        walk_check(k['msg'])
        # scapy dissects its own output back: same bytes
        again = raw(IKEv2(k['msg']))
        assert again == k['msg'], k['name']
    out = [HEADER]
    entries = [emit(k, out) for k in kats]
    out.append('static const struct ike_kat ike_kats[] = {\n%s\n};' % '\n'.join(entries))
    out.append('\n#endif /* IKE_KAT_H */\n')
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ike_kat.h')
    with open(path, 'w') as f:
        f.write('\n\n'.join(out))
    print('wrote %s: %d messages' % (path, len(kats)), file=sys.stderr)


if __name__ == '__main__':
    main()
