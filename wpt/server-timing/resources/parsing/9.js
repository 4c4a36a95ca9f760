testServerTiming(document.currentScript, [{"name":"metric","desc":"descr;,=iption","dur":123.4}])
