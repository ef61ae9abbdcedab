#!/usr/bin/env python3
"""Independent reader of Exposure Notification export files, written from the published format
(export.proto and the export file layout), not from the Rust exporter.

For each zip given: unzip it, require exactly the entries export.bin and export.sig, check the
16-byte header, parse TemporaryExposureKeyExport and TEKSignatureList with the `protobuf`
package (messages declared here from the schema's field numbers), check the fields the format
fixes (batch 1/1, algorithm OID, keys sorted and 16 bytes long, signature infos matching the
signatures), and verify every ECDSA P-256 / SHA-256 signature over export.bin with the given
public key (PEM) using the `cryptography` package.

Prints one JSON object per file on stdout and exits non-zero on the first problem.

    verify_export.py --public-key pub.pem file.zip [file.zip ...]
"""

import argparse
import io
import json
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

HEADER = b"EK Export v1    "
ECDSA_SHA256_OID = "1.2.840.10045.4.3.2"

F = descriptor_pb2.FieldDescriptorProto


def _schema():
    """The export messages, declared from the proto2 schema's field numbers and types."""
    file = descriptor_pb2.FileDescriptorProto(name="export_verify.proto", package="verify", syntax="proto2")

    def message(name, fields, enums=()):
        m = file.message_type.add(name=name)
        for enum_name, values in enums:
            e = m.enum_type.add(name=enum_name)
            for value_name, number in values:
                e.value.add(name=value_name, number=number)
        for number, field_name, kind, label, type_name in fields:
            f = m.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                f.type_name = type_name
        return m

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("SignatureInfo", [
        (3, "verification_key_version", F.TYPE_STRING, opt, None),
        (4, "verification_key_id", F.TYPE_STRING, opt, None),
        (5, "signature_algorithm", F.TYPE_STRING, opt, None),
    ])
    message("TemporaryExposureKey", [
        (1, "key_data", F.TYPE_BYTES, opt, None),
        (2, "transmission_risk_level", F.TYPE_INT32, opt, None),
        (3, "rolling_start_interval_number", F.TYPE_INT32, opt, None),
        (4, "rolling_period", F.TYPE_INT32, opt, None),
        (5, "report_type", F.TYPE_ENUM, opt, ".verify.TemporaryExposureKey.ReportType"),
        (6, "days_since_onset_of_symptoms", F.TYPE_SINT32, opt, None),
        (8, "variant_of_concern", F.TYPE_INT32, opt, None),
    ], enums=[("ReportType", [("UNKNOWN", 0), ("CONFIRMED_TEST", 1), ("CONFIRMED_CLINICAL_DIAGNOSIS", 2),
                              ("SELF_REPORT", 3), ("RECURSIVE", 4), ("REVOKED", 5)])])
    message("TemporaryExposureKeyExport", [
        (1, "start_timestamp", F.TYPE_FIXED64, opt, None),
        (2, "end_timestamp", F.TYPE_FIXED64, opt, None),
        (3, "region", F.TYPE_STRING, opt, None),
        (4, "batch_num", F.TYPE_INT32, opt, None),
        (5, "batch_size", F.TYPE_INT32, opt, None),
        (6, "signature_infos", F.TYPE_MESSAGE, rep, ".verify.SignatureInfo"),
        (7, "keys", F.TYPE_MESSAGE, rep, ".verify.TemporaryExposureKey"),
        (8, "revised_keys", F.TYPE_MESSAGE, rep, ".verify.TemporaryExposureKey"),
    ])
    message("TEKSignature", [
        (1, "signature_info", F.TYPE_MESSAGE, opt, ".verify.SignatureInfo"),
        (2, "batch_num", F.TYPE_INT32, opt, None),
        (3, "batch_size", F.TYPE_INT32, opt, None),
        (4, "signature", F.TYPE_BYTES, opt, None),
    ])
    message("TEKSignatureList", [
        (1, "signatures", F.TYPE_MESSAGE, rep, ".verify.TEKSignature"),
    ])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    get = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName("verify." + name))
    return get("TemporaryExposureKeyExport"), get("TEKSignatureList")


Export, SignatureList = _schema()


class Invalid(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Invalid(message)


def key_json(key):
    out = {"key": key.key_data.hex()}
    out["transmissionRisk"] = key.transmission_risk_level if key.HasField("transmission_risk_level") else None
    out["rollingStart"] = key.rolling_start_interval_number if key.HasField("rolling_start_interval_number") else None
    out["rollingPeriod"] = key.rolling_period if key.HasField("rolling_period") else None
    out["reportType"] = key.report_type if key.HasField("report_type") else None
    out["daysSinceOnset"] = key.days_since_onset_of_symptoms if key.HasField("days_since_onset_of_symptoms") else None
    return out


def verify(path, public_key):
    with open(path, "rb") as f:
        data = f.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        check(sorted(names) == ["export.bin", "export.sig"], f"unexpected entries {names}")
        export_bin = archive.read("export.bin")
        export_sig = archive.read("export.sig")
    check(export_bin[:16] == HEADER, "export.bin does not start with 'EK Export v1    '")
    export = Export()
    export.ParseFromString(export_bin[16:])
    signatures = SignatureList()
    signatures.ParseFromString(export_sig)

    check(export.HasField("start_timestamp") and export.HasField("end_timestamp"), "timestamps missing")
    check(export.start_timestamp < export.end_timestamp, "start is not before end")
    check(export.HasField("region"), "region missing")
    check((export.batch_num, export.batch_size) == (1, 1), "batch is not 1/1")
    check(len(export.signature_infos) >= 1, "no signature info")
    check(len(signatures.signatures) == len(export.signature_infos), "signature count differs from signature infos")
    for key_list in (export.keys, export.revised_keys):
        datas = [k.key_data for k in key_list]
        check(all(len(d) == 16 for d in datas), "a key is not 16 bytes")
        check(datas == sorted(datas), "keys are not sorted by their bytes")
        for k in key_list:
            check(k.HasField("rolling_start_interval_number"), "a key has no rolling start interval")
            period = k.rolling_period if k.HasField("rolling_period") else 144
            check(1 <= period <= 144, f"rolling period {period} out of range")
            check(0 <= k.transmission_risk_level <= 8, "transmission risk out of range")

    verified = 0
    for info, signature in zip(export.signature_infos, signatures.signatures):
        check(info.signature_algorithm == ECDSA_SHA256_OID, "unexpected signature algorithm")
        check(signature.signature_info == info, "export.sig's signature info differs from export.bin's")
        check((signature.batch_num, signature.batch_size) == (1, 1), "signature batch is not 1/1")
        try:
            public_key.verify(signature.signature, export_bin, ec.ECDSA(hashes.SHA256()))
            verified += 1
        except InvalidSignature:
            pass
    check(verified >= 1, "no signature verifies with the public key")

    return {
        "file": path,
        "startTimestamp": export.start_timestamp,
        "endTimestamp": export.end_timestamp,
        "region": export.region,
        "batchNum": export.batch_num,
        "batchSize": export.batch_size,
        "signatureInfos": [{"keyVersion": i.verification_key_version, "keyId": i.verification_key_id}
                           for i in export.signature_infos],
        "verifiedSignatures": verified,
        "keys": [key_json(k) for k in export.keys],
        "revisedKeys": [key_json(k) for k in export.revised_keys],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public-key", required=True, help="PEM PUBLIC KEY of the signer")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    with open(args.public_key, "rb") as f:
        public_key = serialization.load_pem_public_key(f.read())
    check(isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1",
          "the public key is not ECDSA P-256")
    for path in args.files:
        try:
            print(json.dumps(verify(path, public_key)))
        except (Invalid, zipfile.BadZipFile, Exception) as e:  # report any failure the same way
            print(f"{path}: INVALID: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
