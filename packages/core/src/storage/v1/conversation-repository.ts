import type { Conversation, RecoveryDetails } from '../../entities/conversation.js';
import type { Message } from '../../entities/message.js';
import type { JsonObject, PageOptions } from './storage-v1.js';

/**
 * A recovery conversation's details as stored. `adminUserId` is absent once that
 * admin user has been deleted (the conversation is kept as history).
 */
export type RecoveryDetailsRecord = Omit<RecoveryDetails, 'adminUserId'> & { adminUserId?: string };

/**
 * A conversation as stored: the core `Conversation` (one model for support and
 * recovery, told apart by `purpose`) plus free-form metadata. For a recovery
 * conversation that has ended, `recovery.resolutionTime` is derived from
 * `startedAt` and `endedAt` by the database.
 */
export type ConversationRecord = Omit<Conversation, 'recovery'> & {
  recovery?: RecoveryDetailsRecord;
  metadata: JsonObject;
};

/** What {@link ConversationRepository.create} takes. */
export interface NewConversation {
  id?: string;
  tenantId: string;
  purpose: Conversation['purpose'];
  sessionId: string;
  userId?: string | null;
  /** Required for recovery. */
  customerId?: string | null;
  /** Default now. */
  startedAt?: Date;
  /** Default `startedAt`. */
  lastActivity?: Date;
  /** Default `active`. */
  status?: Conversation['status'];
  /** Required for recovery, absent for support. */
  recovery?: {
    /** Default `initiated`. */
    status?: RecoveryDetails['status'];
    adminUserId?: string;
    /** Default false. */
    paymentAttempted?: boolean;
  };
  metadata?: JsonObject;
}

/** Changes to a conversation; `null` clears an optional field. */
export interface ConversationChanges {
  status?: Conversation['status'];
  userId?: string | null;
  lastActivity?: Date;
  endedAt?: Date | null;
  /** Recovery conversations only. */
  recovery?: {
    status?: RecoveryDetails['status'];
    outcome?: RecoveryDetails['outcome'] | null;
    paymentAttempted?: boolean;
  };
  metadata?: JsonObject;
}

/** Filters of {@link ConversationRepository.list}. */
export interface ConversationFilter extends PageOptions {
  tenantId: string;
  purpose?: Conversation['purpose'];
  status?: Conversation['status'];
  recoveryStatus?: RecoveryDetails['status'];
  customerId?: string;
  /**
   * Only one person's conversations, from any device: those started under their verified id
   * (`userId`) and those linked to one of their Customer records (`customerIds`), either
   * one. An empty `customerIds` matches by `userId` alone.
   */
  ownedBy?: { userId: string; customerIds?: readonly string[] };
  /** Only conversations last active before this instant (stale-session sweeps, retention). */
  lastActivityBefore?: Date;
}

/** Conversations of a tenant: support chats and recovery sessions. */
export interface ConversationRepository {
  create(conversation: NewConversation): Promise<ConversationRecord>;
  get(options: { tenantId: string; id: string }): Promise<ConversationRecord | undefined>;
  /** The most recently active conversation of a browser or link session. */
  findLatestBySessionId(options: {
    tenantId: string;
    sessionId: string;
  }): Promise<ConversationRecord | undefined>;
  /** Most recently active first. */
  list(filter: ConversationFilter): Promise<ConversationRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: ConversationChanges;
  }): Promise<ConversationRecord>;
  /** Deletes the conversation with its messages, retrievals, feedback and escalations. */
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}

/** A message as stored: the core `Message` plus its tenant and free-form metadata (citations...). */
export interface MessageRecord extends Message {
  tenantId: string;
  metadata: JsonObject;
}

/** What {@link MessageRepository.create} takes. */
export interface NewMessage {
  id?: string;
  tenantId: string;
  conversationId: string;
  role: Message['role'];
  content: string;
  /** Default now. */
  timestamp?: Date;
  confidenceScore?: number;
  queryType?: string;
  messageType?: Message['messageType'];
  metadata?: JsonObject;
}

/** Changes to a message (a streamed answer is completed, scored, classified). */
export interface MessageChanges {
  content?: string;
  confidenceScore?: number | null;
  queryType?: string | null;
  messageType?: Message['messageType'] | null;
  metadata?: JsonObject;
}

/** Messages of conversations. */
export interface MessageRepository {
  /**
   * Appends a message and moves the conversation's `lastActivity` forward to the
   * message's timestamp, in one transaction.
   */
  create(message: NewMessage): Promise<MessageRecord>;
  get(options: { tenantId: string; id: string }): Promise<MessageRecord | undefined>;
  /** A page of a conversation's messages, oldest first (by timestamp, then id). */
  list(options: MessageListOptions): Promise<MessageRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: MessageChanges;
  }): Promise<MessageRecord>;
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}

/** Which messages of a conversation {@link MessageRepository.list} returns. */
export interface MessageListOptions extends PageOptions {
  tenantId: string;
  conversationId: string;
  /**
   * Page from the newest end: `limit` and `offset` count back from the conversation's newest
   * message, and the page is still oldest first. Default false: from the oldest end. History
   * for a model, the last message and a transcript's latest part all want this.
   */
  newest?: boolean;
  /**
   * Only messages older than this one (the id of a message of the same conversation): with
   * `newest`, a cursor to page back through a long conversation. An id that names no message
   * of the conversation matches nothing.
   */
  before?: string;
}

/** Which chunk was retrieved for which message, and how well it scored (support seed's RETRIEVAL). */
export interface RetrievalRecord {
  id: string;
  tenantId: string;
  messageId: string;
  chunkId: string;
  similarityScore: number;
  rerankScore?: number;
  /** Position in the ranked results, from 1. */
  rankPosition: number;
}

/** One retrieval given to {@link RetrievalRepository.createMany}. */
export interface NewRetrieval {
  id?: string;
  chunkId: string;
  similarityScore: number;
  rerankScore?: number;
  rankPosition: number;
}

/** Retrievals: deleted with their message or their chunk. */
export interface RetrievalRepository {
  /** Records the retrievals of one message, all or none. */
  createMany(options: {
    tenantId: string;
    messageId: string;
    retrievals: NewRetrieval[];
  }): Promise<RetrievalRecord[]>;
  /** By rank position. */
  listByMessage(options: { tenantId: string; messageId: string }): Promise<RetrievalRecord[]>;
  listByChunk(
    options: { tenantId: string; chunkId: string } & PageOptions,
  ): Promise<RetrievalRecord[]>;
}
