package dev.natsjca.tx;

import javax.transaction.xa.Xid;

/**
 * Names a transaction branch in logs and exceptions by its content, the same on every server:
 * some transaction managers' {@code Xid.toString()} hides it (Payara's prints
 * "(Available at FINE log level)").
 */
public final class Xids {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Xids() {
    }

    /** @return {@code <format id>:<global transaction id, hex>:<branch qualifier, hex>} */
    public static String describe(Xid xid) {
        if (xid == null) {
            return "null";
        }
        return xid.getFormatId() + ":" + hex(xid.getGlobalTransactionId()) + ":" + hex(xid.getBranchQualifier());
    }

    private static String hex(byte[] bytes) {
        if (bytes == null) {
            return "";
        }
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
