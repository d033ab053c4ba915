// SPDX-License-Identifier: MIT
#include "providers/completion.h"

namespace assay::core {

EventSink CompletionCollector::sink()
{
    return [this](ProviderEvent&& e) { onEvent(std::move(e)); };
}

void CompletionCollector::onEvent(ProviderEvent&& event)
{
    std::lock_guard lock(m_mutex);
    Completion& c = m_completion;
    if (auto* d = std::get_if<TokenDelta>(&event)) {
        c.text += d->text;
        c.logprobs.insert(c.logprobs.end(), d->logprobs.begin(), d->logprobs.end());
        ++c.deltaCount;
    } else if (auto* u = std::get_if<UsageEvent>(&event)) {
        c.usage = u->usage;
    } else if (auto* f = std::get_if<FinishEvent>(&event)) {
        c.finishReason = f->reason;
        c.rawFinishReason = f->rawReason;
        c.stats = f->stats;
        m_done = true;
    } else if (auto* e = std::get_if<ErrorEvent>(&event)) {
        c.stats = e->stats;
        c.error = std::move(*e);
        m_done = true;
    }
    if (m_done)
        m_cv.notify_all();
}

Completion CompletionCollector::wait()
{
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_done; });
    return m_completion;
}

bool CompletionCollector::done() const
{
    std::lock_guard lock(m_mutex);
    return m_done;
}

Completion runToCompletion(Provider& provider, const ProviderRequest& request)
{
    CompletionCollector collector;
    auto handle = provider.start(request, collector.sink());
    if (!handle.ok()) {
        Completion c;
        c.error = ErrorEvent { handle.error(), std::nullopt, {}, std::nullopt };
        return c;
    }
    return collector.wait();
}

} // namespace assay::core
