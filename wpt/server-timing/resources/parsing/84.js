testServerTiming(document.currentScript, [{"name":"metric","desc":"tabs-should-get-trimmed","dur":42}])
