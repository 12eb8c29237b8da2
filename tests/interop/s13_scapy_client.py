"""An S13 peer built from scapy's Diameter dictionary (scapy.contrib.diameter), a codec we did not
write: CER, then an ME-Identity-Check for each IMEI given, then DPR. Prints one JSON object."""
import json
import socket
import sys

from scapy.contrib.diameter import AVP, DiamG, DiamReq

port = int(sys.argv[1])
imeis = sys.argv[2:]
s = socket.create_connection(("127.0.0.1", port), timeout=5)


def recv_exact(n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def exchange(pkt):
    s.sendall(bytes(pkt))
    head = recv_exact(4)
    length = int.from_bytes(head[1:4], "big")
    return DiamG(head + recv_exact(length - 4))


def find(avps, code):
    for a in avps:
        if a.avpCode == code:
            return a
    return None


origin = [
    AVP("Origin-Host", val="mme.scapy.localdomain"),
    AVP("Origin-Realm", val="scapy.localdomain"),
]
cea = exchange(
    DiamReq(
        "Capabilities-Exchange",
        drHbHId=1,
        drEtEId=1,
        avpList=origin
        + [
            AVP("Host-IP-Address", val="127.0.0.1"),
            AVP("Vendor-Id", val=0),
            AVP("Product-Name", val="scapy"),
            AVP("Auth-Application-Id", val=16777252),
        ],
    )
)
out = {"cea": {"command": cea.drCode, "result": find(cea.avpList, 268).val}, "ecr": []}

for i, imei in enumerate(imeis):
    eca = exchange(
        DiamReq(
            "ME-Identity-Check",
            drAppId=16777252,
            drHbHId=100 + i,
            drEtEId=100 + i,
            avpList=[AVP("Session-Id", val="mme.scapy.localdomain;%d" % i), AVP("Auth-Session-State", val=1)]
            + origin
            + [
                AVP("Destination-Realm", val="devicechain.localdomain"),
                AVP([1401, 10415], val=[AVP([1402, 10415], val=imei), AVP([1403, 10415], val="01")]),
                AVP("User-Name", val="001010000000001"),
            ],
        )
    )
    status = find(eca.avpList, 1445)
    result = find(eca.avpList, 268)
    experimental = find(eca.avpList, 297)
    exp_code = find(experimental.val, 298).val if experimental is not None else None
    out["ecr"].append(
        {
            "imei": imei,
            "hopByHop": eca.drHbHId,
            "result": result.val if result is not None else None,
            "equipmentStatus": status.val if status is not None else None,
            "experimentalResult": exp_code,
        }
    )

dpa = exchange(DiamReq("Disconnect-Peer", drHbHId=999, drEtEId=999, avpList=origin + [AVP("Disconnect-Cause", val=0)]))
out["dpa"] = find(dpa.avpList, 268).val
print(json.dumps(out))
