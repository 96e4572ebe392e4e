/**
 * Who answers a SUBSCRIBE when several instances hear it (two hosts in one multicast group): the responder asks its
 * claims for the request's key before it answers, and stays silent when another instance holds it. One box needs
 * none of this: the default claims say yes at once, without a promise.
 */

/** A SUBSCRIBE's identity across its retransmissions: Call-ID, From tag and CSeq. */
export interface ClaimKey {
  callId: string;
  fromTag?: string;
  cseq?: number;
}

export interface SubscribeClaims {
  /**
   * True when this instance is to answer the SUBSCRIBE: it holds the claim (now or already), or took it over from
   * a holder that went away without answering (a store with handover may keep the promise pending a few seconds to
   * find out). Never rejects: a store that cannot be asked applies its own documented rule.
   */
  claim(key: ClaimKey): Promise<boolean> | boolean;
  /**
   * The holder is done with the SUBSCRIBE (its exchange ended: answered, or deliberately left unanswered), so no
   * other instance takes it over. Optional; never throws.
   */
  settle?(key: ClaimKey): void;
  /**
   * The holder could not complete the exchange (its 200 or its NOTIFY failed: its drachtio connection may be gone):
   * another instance that still holds the request may answer it. Optional; never throws.
   */
  release?(key: ClaimKey): void;
}

/** One instance: every SUBSCRIBE is ours. */
export const localClaims: SubscribeClaims = { claim: () => true };

/** The key as one string: From tag, CSeq and Call-ID, one a line (a Call-ID cannot hold a line break). */
export function claimKeyText(key: ClaimKey): string {
  return `${key.fromTag ?? ''}\n${key.cseq ?? ''}\n${key.callId}`;
}
