/* The portal's scripts: charts drawn with billboard.js (shipped with the
 * web client), the application form's payment choice, and the card
 * agent's tokenisation: the card number goes from the browser to the
 * payment agent only; the form carries back its token and masked number. */
(function () {
    'use strict';

    function drawChart() {
        var holder = document.getElementById('chart');
        var source = document.getElementById('chart-data');
        if (!holder || !source || !window.bb) {
            return;
        }
        var data = JSON.parse(source.textContent);
        var columns = [], types = {}, axes = {};
        Object.keys(data.series).forEach(function (name) {
            columns.push([name].concat(data.series[name]));
            types[name] = 'bar';
        });
        var line = data.line || {};
        Object.keys(line).forEach(function (name) {
            columns.push([name].concat(line[name]));
            types[name] = 'line';
            axes[name] = 'y2';
        });
        window.bb.generate({
            bindto: holder,
            data: {columns: columns, types: types, axes: axes},
            axis: {
                x: {type: 'category', categories: data.x,
                    tick: {culling: {max: 12}, multiline: false}},
                y: {label: 'kWh'},
                y2: {show: Object.keys(line).length > 0, label: '円'}
            },
            bar: {width: {ratio: 0.7}},
            legend: {position: 'bottom'}
        });
        holder.setAttribute('data-drawn', 'true');
    }

    function paymentChoice() {
        var radios = document.querySelectorAll('input[name=payment_kind]');
        if (!radios.length) {
            return;
        }
        function update() {
            var chosen = document.querySelector('input[name=payment_kind]:checked');
            document.querySelectorAll('.pay').forEach(function (el) {
                el.hidden = !chosen || !el.classList.contains('pay-' + chosen.value);
            });
        }
        radios.forEach(function (r) { r.addEventListener('change', update); });
        update();
    }

    function switchOnly() {
        var block = document.querySelector('.switch-only');
        if (!block) {
            return;
        }
        function update() {
            var chosen = document.querySelector('input[name=kind]:checked');
            block.hidden = chosen && chosen.value !== 'switch_in';
        }
        document.querySelectorAll('input[name=kind]').forEach(function (r) {
            r.addEventListener('change', update);
        });
        update();
    }

    function cardAgent() {
        var box = document.getElementById('card-agent');
        var button = document.getElementById('card-register');
        if (!box || !button) {
            return;
        }
        var status = document.getElementById('card-status');
        button.addEventListener('click', function () {
            var number = document.getElementById('card-number');
            var expiry = document.getElementById('card-expiry');
            status.textContent = '登録しています…';
            fetch(box.getAttribute('data-agent') + '/tokens', {
                method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({number: number.value, expiry: expiry.value})
            }).then(function (response) {
                return response.json().then(function (body) {
                    if (!response.ok) {
                        throw new Error(body.message || 'error');
                    }
                    return body;
                });
            }).then(function (body) {
                document.getElementById('card-token').value = body.token;
                document.getElementById('card-masked').value = body.masked;
                number.value = '';
                expiry.value = '';
                status.textContent = '登録しました：' + body.masked;
            }).catch(function (error) {
                status.textContent = 'カードを登録できませんでした（' + error.message + '）。';
            });
        });
    }

    document.addEventListener('DOMContentLoaded', function () {
        drawChart();
        paymentChoice();
        switchOnly();
        cardAgent();
    });
}());
