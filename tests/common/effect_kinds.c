#include "effect_kinds.h"

unsigned kind_flags(ed_effect_kind k)
{
    switch (k) {
    case ED_EFFECT_BILLING_CONVERT:
    case ED_EFFECT_BILLING_REFUND:
    case ED_EFFECT_BILLING_RENEW:
        return ED_FLAG_BILLING;
    case ED_EFFECT_TOPIC_DELETE:
    case ED_EFFECT_GROUP_DELETE:
    case ED_EFFECT_INSTANCE_DELETE:
        return ED_FLAG_IRREVERSIBLE;
    case ED_EFFECT_INSTANCE_SUSPEND:
        return ED_FLAG_DISRUPTIVE;
    case ED_EFFECT_TICKET_EXPERT_SERVICES:
    case ED_EFFECT_NOTICE_DELETE_ON_EXPIRY:
    case ED_EFFECT_NOTICE_RELEASE_PENDING:
    case ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION:
        return ED_FLAG_NOTICE;
    default:
        return 0;
    }
}

ed_subject_kind kind_subject(ed_effect_kind k)
{
    switch (k) {
    case ED_EFFECT_TOPIC_MIGRATE:
    case ED_EFFECT_TOPIC_CREATE:
    case ED_EFFECT_TOPIC_DELETE:
        return ED_SUBJECT_TOPIC;
    case ED_EFFECT_CONSUMERS_REBALANCE:
    case ED_EFFECT_GROUP_CREATE:
    case ED_EFFECT_GROUP_DELETE:
        return ED_SUBJECT_GROUP;
    default:
        return ED_SUBJECT_INSTANCE;
    }
}
